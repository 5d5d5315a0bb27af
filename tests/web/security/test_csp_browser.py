"""Under the Content-Security-Policy the pages still work in Chromium: htmx (live cohort
count), Vega charts (drawn through vega-interpreter, no eval) and forms, with no policy
violation reported by the browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_pages_htmx_and_vega_charts_run_without_csp_violations(live_server, page):
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text or "unsafe-eval" in m.text else None)
    for path in ("/", "/login", "/access", "/catalogue", "/register"):
        page.goto(f"{live_server}{path}")
    page.goto(f"{live_server}/cohorts")
    page.select_option("#tumour_location", "Colorectum")
    expect(page.locator("#live-count")).to_contain_text("patients")  # htmx request answered and swapped in
    page.fill("#name", "CSP check")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cohorts/[a-z0-9]{12}$"))
    page.get_by_role("link", name="Group comparison").first.click()
    page.fill("#gene", "KRAS")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#chart-compare svg.marks")).to_be_visible()  # vega drew without eval
    assert page.locator("#chart-compare").get_attribute("data-drawn") == "yes"
    assert not violations, violations
