"""Driving the product in a real browser: Debian's chromium, headless, through Playwright.

`live_server` serves the test app on a local port (what the browser commits is real, so each
test removes its own rows afterwards). `desk` is a desktop-sized page, `phone` a phone-sized
one; both run in the county's time zone and save screenshots with `shoot(page, name)` into
one folder per run, printed at the end of the run so that a person can look at them.
"""
import os
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.mailbox import free_port

CHROMIUM = "/usr/bin/chromium"
DESK = {"viewport": {"width": 1300, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="registry-screens-"))

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (make setup installs it)"
)


def shoot(page, name: str) -> Path:
    """A full-page screenshot saved as SHOTS/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def shoot_pdf(pdf: bytes, name: str, dpi: int = 70) -> list[Path]:
    """Each page of a PDF saved as SHOTS/<name>-<page>.png, for a person to look at: with
    pdftoppm (poppler-utils) when it is installed, else pypdfium2; [] when neither is."""
    import shutil
    import subprocess

    SHOTS.mkdir(parents=True, exist_ok=True)
    if shutil.which("pdftoppm"):
        source = SHOTS / f"{name}.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(source), str(SHOTS / name)], check=True)
        return sorted(SHOTS.glob(f"{name}-*.png"))
    try:
        import pypdfium2
    except ImportError:
        return []
    paths = []
    for number, page in enumerate(pypdfium2.PdfDocument(pdf), start=1):
        path = SHOTS / f"{name}-{number}.png"
        page.render(scale=dpi / 72).to_pil().save(path)
        paths.append(path)
    return paths


def serve(app):
    """Serve the app on a free local port; returns (base URL, stop function)."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(5)

    return f"http://localhost:{port}", stop


def open_page(size: dict, timezone_id: str):
    """A started Playwright, its browser and a page of the given size (caller closes)."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
    context = browser.new_context(**size, locale="en-US", timezone_id=timezone_id)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return playwright, browser, page


def sign_in(page, base: str, username: str, password: str) -> None:
    """Type the user name and password into the sign-in form as a person does.

    Whoever was signed in is left first: the old page is closed (about:blank, so none of its
    requests still in flight can set the session cookie again) and the cookies are cleared.
    """
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def click_and_answer(page, button, accept: bool = True) -> str:
    """Click a button that asks first (a confirm dialog) and answer as a person would: OK when
    `accept`, else Cancel. Returns what the dialog asked; no dialog is a failure.

    The click waits until the page that shows the button has loaded: a button clicked before
    the page's scripts ran sends its form without asking. The handler is on the page for this
    click only and the click ends once the dialog has come, so that an answer meant for one
    dialog is never given to another (handlers set with `page.once` outlived a click that did
    not ask, and two answered the next dialog: "Cannot dismiss dialog which is already handled")."""
    button.wait_for()
    page.wait_for_load_state("load")
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    try:
        with page.expect_event("dialog"):
            button.click()
    finally:
        page.remove_listener("dialog", answer)
    return asked[0]


def type_datetime(page, selector: str, month_day_year: str, hour_minute: str, meridiem: str) -> None:
    """Type into a datetime-local input the way a person does in Chromium (US order):
    click the month, type "11292026", move right, type "1030", then "P" or "A"."""
    field = page.locator(selector)
    field.click(position={"x": 12, "y": 10})
    page.keyboard.type(month_day_year)
    page.keyboard.press("ArrowRight")
    page.keyboard.type(hour_minute + meridiem)
