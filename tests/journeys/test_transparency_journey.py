"""A member of the public opens the transparency report on a phone, reads it in Spanish, sees
the chart, and downloads the figures as a spreadsheet; nothing personal is on the page."""
import csv
import io

from tests.browser import PHONE, needs_chromium, open_page, serve, shoot

pytestmark = needs_chromium


def test_a_resident_reads_the_report_on_a_phone_in_spanish(app):
    base, stop = serve(app)
    playwright, browser, page = open_page(PHONE, app.config["TIMEZONE"])
    try:
        page.goto(f"{base}/transparency/")
        assert page.locator("h1").inner_text() == "How the camera registry is used"
        page.get_by_role("link", name="Español").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Cómo se usa el registro de cámaras"
        assert page.locator("html").get_attribute("lang") == "es"
        page.wait_for_function("window.Chart && Chart.getChart(document.getElementById('transparency-chart'))")
        text = page.locator("main").inner_text()
        assert "Búsquedas de cámaras cercanas" in text and "Condiciones del programa" in text
        assert "fewer than" not in text
        shoot(page, "public-transparency-report-es")
        with page.expect_download() as download:
            page.get_by_role("link", name="Descargar en CSV (hoja de cálculo)").click()
        rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
        assert rows[0][:2] == ["Agencia", "Mes"]
        assert len(rows) > 2
    finally:
        browser.close()
        playwright.stop()
        stop()
