// Draws an escape route on the map page in Debian's chromium and searches along it.
// Usage: node tests/e2e/map_route.mjs BASE_URL USERNAME PASSWORD SCREENSHOT CASE_ID
import { chromium } from "playwright-core";

const [base, username, password, shot, caseId] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text()); });
page.on("response", (r) => { if (r.status() >= 400 && !r.url().endsWith("favicon.ico")) errors.push(r.status() + " " + r.url()); });
await page.goto(base + "/login/");
await page.fill("#username", username);
await page.fill("#password", password);
await Promise.all([page.waitForNavigation(), page.click("input[type=submit], button[type=submit]")]);
await page.goto(base + "/map/?case_id=" + caseId);
await page.waitForTimeout(1000);
const radiusShownBefore = await page.isVisible("#radius");
await page.check("#mode-route");
const widthShown = await page.isVisible("#width");
const radiusShown = await page.isVisible("#radius");
// Searching with no route drawn says what to do first.
await page.click("#search");
const noRoute = await page.$eval("#message", (d) => d.innerText);
// The route: three clicks below the case's point (the map is centred on it), west to east
// with a bend, then one click taken back.
const box = await page.$eval("#map", (m) => { const r = m.getBoundingClientRect(); return { w: r.width, h: r.height }; });
const cx = box.w / 2, cy = box.h / 2;
for (const [dx, dy] of [[-180, 6], [25, 3], [160, 12], [200, 160]]) {
  await page.click("#map", { position: { x: cx + dx, y: cy + dy } });
}
await page.click("#route-undo");
const status = await page.$eval("#route-status", (s) => s.innerText);
await page.fill("#width", "200");
await page.click("#search");
await page.waitForSelector("#canvass-list tbody tr", { timeout: 10000 });
const rows = await page.$$eval("#canvass-list tbody tr", (trs) => trs.map((tr) => tr.innerText));
const numbered = await page.$$eval(".cam-number", (els) => els.length);
const message = await page.$eval("#message", (d) => d.innerText);
const sheet = await page.$eval("#sheet", (a) => a.getAttribute("href"));
await page.screenshot({ path: shot });
// The sheet of this search downloads as a PDF.
const pdf = await page.evaluate((href) => fetch(href, { credentials: "same-origin" })
  .then((r) => r.headers.get("Content-Type") + " " + r.status), sheet);
console.log(JSON.stringify({ radiusShownBefore, widthShown, radiusShown, noRoute, status, rows, numbered, message, sheet, pdf, errors }, null, 1));
await browser.close();
