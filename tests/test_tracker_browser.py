"""Browser journeys of the rollout tracker on a fresh practice (one Streamlit server for the module).

The lead builds a plan from a profile, ticks a checklist item with evidence, logs and resolves an
issue; the front desk sees only what its role allows (logging issues, its own items).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import assert_no_exception, open_page, sign_in, wait_idle
from tests.conftest import streamlit_server, write_config


@pytest.fixture(scope="module")
def tracker_server(tmp_path_factory):
    from auth.users import create_user
    from config.settings import load_settings
    from jobs.setup import init_stores

    directory = tmp_path_factory.mktemp("tracker-browser")
    path = write_config(directory)
    settings = load_settings(path)
    init_stores(settings)
    create_user(settings.database_url, "lead", "implementation_lead", "demo", "Priya Natarajan")
    create_user(settings.database_url, "frontdesk", "front_desk", "demo", "Tess Kowalski")
    with streamlit_server(path) as base:
        yield base


def choose(page: Page, label: str, option: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.keyboard.press("Enter")


def test_lead_builds_plan_ticks_item_and_resolves_issue(page: Page, tracker_server):
    sign_in(page, tracker_server, "lead")
    open_page(page, tracker_server, "plan")
    page.get_by_label("Physical therapists").fill("4")
    page.get_by_label("Occupational therapists").fill("1")
    page.get_by_role("button", name="Save profile").click()
    wait_idle(page)
    expect(page.get_by_text("Proposed plan")).to_be_visible()
    expect(page.get_by_text("usually needs 8-12 weeks")).to_be_visible()
    page.get_by_role("button", name="Accept this plan").click()
    wait_idle(page)
    expect(page.get_by_text("Plan accepted:")).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=30_000)
    assert_no_exception(page)

    open_page(page, tracker_server, "checklists")
    page.get_by_text("Done", exact=True).click()
    page.get_by_label("Evidence (a note or a link)").fill("https://intranet/workflows/intake.pdf")
    page.get_by_role("button", name="Save", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Saved “New-patient intake")).to_be_visible()
    expect(page.get_by_label("Evidence (a note or a link)")).to_have_value("https://intranet/workflows/intake.pdf")
    assert_no_exception(page)

    open_page(page, tracker_server, "issue_log")
    page.get_by_label("What happened").fill("Label printer offline at check-in")
    page.get_by_role("button", name="Log issue").click()
    wait_idle(page)
    expect(page.get_by_text("Issue #1 logged")).to_be_visible()
    choose(page, "Status", "Resolved")
    page.get_by_label("Resolution").fill("Printer driver reinstalled")
    page.get_by_role("button", name="Save triage").click()
    wait_idle(page)
    expect(page.get_by_text("Issue #1 saved.")).to_be_visible()
    expect(page.get_by_text("Open issues only")).to_be_visible()
    assert_no_exception(page)


def test_front_desk_sees_only_logging_and_its_own_items(page: Page, tracker_server):
    sign_in(page, tracker_server, "frontdesk")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.locator("a[href$='/issue_log']")).to_have_count(1)
    expect(nav.locator("a[href$='/my_items']")).to_have_count(1)
    for hidden in ("plan", "checklists", "debrief"):
        expect(nav.locator(f"a[href$='/{hidden}']")).to_have_count(0)

    open_page(page, tracker_server, "issue_log")
    page.get_by_label("What happened").fill("Card reader will not pair")
    page.get_by_role("button", name="Log issue").click()
    wait_idle(page)
    expect(page.get_by_text("Issues you logged")).to_be_visible()
    expect(page.get_by_text("Issue #2 logged")).to_be_visible()
    expect(page.get_by_text("Triage", exact=True)).to_have_count(0)
    assert_no_exception(page)

    open_page(page, tracker_server, "my_items")
    expect(page.get_by_text("Front-desk coordinator").first).to_be_visible()
    expect(page.get_by_text("Claim submission documented")).to_have_count(0)  # billing's item
    assert_no_exception(page)
