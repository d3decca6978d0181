// Drives the map page in Debian's chromium: log in, pick a case, search, reveal, request.
// Usage: node tests/e2e/map.mjs BASE_URL USERNAME PASSWORD SCREENSHOT [CASE_ID]
import { chromium } from "playwright-core";

const [base, username, password, shot, caseId] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
// Failed loads are reported by the response handler below (with their URL).
page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text()); });
page.on("response", (r) => { if (r.status() >= 400 && !r.url().endsWith("favicon.ico")) errors.push(r.status() + " " + r.url()); });
await page.goto(base + "/login/");
await page.fill("#username", username);
await page.fill("#password", password);
await Promise.all([page.waitForNavigation(), page.click("input[type=submit], button[type=submit]")]);
// The case form: a click on the small map fills in latitude and longitude.
await page.goto(base + "/caseview/add");
await page.click("#pick-map", { position: { x: 200, y: 150 } });
const picked = [await page.inputValue("#lat"), await page.inputValue("#lon")];
// ... or choosing one of the county's address points, typed by street name and abbreviated.
await page.fill("#pick-address", "e2e av");
await page.click("#pick-address-suggestions [role=option]");
const addressed = [await page.inputValue("#lat"), await page.inputValue("#lon"), await page.inputValue("#pick-address")];
await page.goto(base + "/map/");
await page.waitForTimeout(1500);
const disabledBefore = await page.isDisabled("#search");
const value = caseId || await page.$eval("#case-picker option:nth-child(2)", (o) => o.value);
await page.selectOption("#case-picker", value);
await page.click("#search");
await page.waitForSelector("#canvass-list tbody tr", { timeout: 10000 });
const rows = await page.$$eval("#canvass-list tbody tr", (trs) => trs.map((tr) => tr.innerText));
const numbered = await page.$$eval(".cam-number", (els) => els.length);
const sheet = await page.$eval("#sheet", (a) => a.getAttribute("href"));
// The row's number opens that camera's popup on the map.
await page.click("#canvass-list tbody tr:first-child button.cam-show");
await page.waitForSelector(".leaflet-popup", { timeout: 5000 });
const popup = await page.$eval(".leaflet-popup", (p) => p.innerText);
await page.click("#canvass-list tbody tr:first-child td:last-child button");
await page.waitForTimeout(800);
const contact = await page.$eval("#canvass-list tbody tr:first-child td:last-child", (td) => td.innerText);
await page.check("#canvass-list tbody tr:first-child input[type=checkbox]");
await page.click("#create-requests");
await page.waitForTimeout(800);
const message = await page.$eval("#message", (d) => d.innerText);
await page.screenshot({ path: shot });
const injected = await page.evaluate(() => window.__injected === true);
console.log(JSON.stringify({ injected, picked, addressed, disabledBefore, rows: rows.length, first: rows[0], numbered, popup, sheet, contact, message, errors }, null, 1));
await browser.close();
