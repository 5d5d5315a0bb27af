"""End to end in headless Chromium on the demo's kind of data (synthetic WiGiTS 3.0 tool
outputs): the cohort summary draws CUPPA, HLA, virus and signature charts, each under its
own heading."""

from __future__ import annotations

from playwright.sync_api import expect

from onconode.analysis.summary import TITLES
from tests.web.conftest import FREEZE
from tests.web.portal.conftest import save


def test_summary_page_draws_cuppa_hla_virus_and_signature_charts_with_headings(live_server, page, client):
    cohort = save(client, "Everyone", freeze=FREEZE)
    page.goto(f"{live_server}/cohorts/{cohort}/summary")
    for key in ("cuppa_top_prediction", "cuppa_top_likelihood", "hla_alleles", "viruses", "signatures"):
        expect(page.locator(f"#h-{key}")).to_have_text(TITLES[key])
        expect(page.locator(f"#chart-{key} svg.marks")).to_be_visible()
    expect(page.locator("#t-hla_alleles tbody")).to_contain_text("A*02:01")
    expect(page.locator("#t-viruses tbody")).to_contain_text("HPV")
