"""Browser journeys: a lead imports a roster and completions and sees the gate; an owner compares vendors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import assert_no_exception, open_page, sign_in, wait_idle
from tests.conftest import streamlit_server, write_config

CORPUS = Path(__file__).parent / "fixtures" / "training"


@pytest.fixture(scope="module")
def practice_server(tmp_path_factory):
    """A fresh practice: the suggested curriculum, three vendor candidates, a lead and an owner login."""
    from auth import audit
    from auth.users import create_user
    from config.settings import load_settings
    from jobs.setup import init_stores
    from tracker import training
    from tracker.demo_training import seed_vendors

    path = write_config(tmp_path_factory.mktemp("training-browser"))
    settings = load_settings(path)
    init_stores(settings)
    training.load_default_curriculum(settings.database_url, audit.Actor("setup"))
    seed_vendors(settings.database_url, dt.date(2026, 4, 1))
    create_user(settings.database_url, "lead", "implementation_lead", "demo", "Lee Lead")
    create_user(settings.database_url, "owner", "owner", "demo", "Olu Owner")
    with streamlit_server(path) as base:
        yield base


def _upload(page, index: int, name: str) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").nth(index).set_input_files(str(CORPUS / name))
    wait_idle(page)


def test_lead_imports_roster_and_completions_and_sees_the_gate(page, practice_server):
    sign_in(page, practice_server, "lead")
    open_page(page, practice_server, "training")
    page.get_by_role("tab", name="Import CSV").click()
    _upload(page, 0, "roster_bad.csv")
    expect(page.get_by_text("nothing has been imported", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Import the 2 valid row(s) only")).to_be_visible()
    _upload(page, 0, "roster_good.csv")
    page.get_by_role("button", name="Import roster").click()
    wait_idle(page)
    expect(page.get_by_text("8 added, 0 updated, 0 unchanged")).to_be_visible()
    page.get_by_role("tab", name="Import CSV").click()
    _upload(page, 1, "completions_good.csv")
    page.get_by_role("button", name="Import completions").click()
    wait_idle(page)
    expect(page.get_by_text("6 added, 0 updated, 0 unchanged")).to_be_visible()
    # Gate tab: front desk S001 finished all three required modules, S002 failed one -> 1 of 2
    page.get_by_role("tab", name="Gate").click()
    expect(
        page.get_by_test_id("stMetric").filter(has_text="Front desk").get_by_test_id("stMetricValue")
    ).to_have_text("50%")
    expect(page.get_by_text("Front desk is at 50 %", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    assert_no_exception(page)


def test_owner_compares_vendors(page, practice_server):
    sign_in(page, practice_server, "owner")
    open_page(page, practice_server, "vendors")
    expect(page.get_by_text("Chosen: Harborline Therapy Cloud", exact=False)).to_be_visible()
    page.get_by_role("tab", name="Total cost").click()
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    page.get_by_role("tab", name="Due diligence").click()
    expect(page.get_by_text("Named specialist on site days 1-3", exact=False).first).to_be_visible()
    assert_no_exception(page)
