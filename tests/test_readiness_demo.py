"""Readiness on the demo practice: both moments' seeded records, and the administrator's browser journey
on the "before" demo (sees NO-GO with its blockers, fixes one, sees it turn green)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from metrics import readiness as r
from metrics.readiness_inputs import current_readiness, readiness_day
from tests.browser import assert_no_exception, open_page, sign_in, wait_idle
from tests.conftest import streamlit_server, write_config
from tracker import readiness as store


@pytest.fixture(scope="module")
def before_settings(tmp_path_factory):
    """The demo practice three weeks before go-live, built once for this module."""
    from config.settings import load_settings
    from jobs.setup import build_demo

    directory = tmp_path_factory.mktemp("demo-before")
    return build_demo(load_settings(write_config(directory, demo=True, moment="before")))


def test_before_demo_is_no_go_with_history_and_no_decision(before_settings):
    today = readiness_day(before_settings)
    # three weeks out, or a day or two more when that lands on a weekend (go-live moves to Monday)
    assert (before_settings.go_live - today).days in (21, 22, 23)
    assert before_settings.go_live.weekday() < 5
    result = current_readiness(before_settings)
    states = {c.key: c.state for c in result.criteria}
    assert result.verdict == r.NO_GO
    assert states["hipaa"] == r.RED  # HIPAA training in the new workflows still open
    assert states["training"] == r.RED  # clinicians reach 90 % only after go-live
    assert store.latest_decision(before_settings.database_url) is None
    history = store.score_history(before_settings.database_url)
    assert len(history) >= 42 and history["day"].max() == today
    assert history["day"].min() == today - dt.timedelta(days=42)


def test_after_demo_has_a_go_decision_before_go_live(demo_settings):
    decision = store.latest_decision(demo_settings.database_url)
    assert decision is not None and decision.decision == "go"
    assert decision.decided_at.date() < demo_settings.go_live
    snapshot = r.readiness_from_snapshot(decision.snapshot)
    assert len(snapshot.criteria) == 9
    assert snapshot.verdict in (r.GO, r.GO_WITH_RISKS), [(c.key, c.evidence) for c in snapshot.criteria]
    history = store.score_history(demo_settings.database_url)
    assert history["day"].max() < demo_settings.go_live
    assert (demo_settings.go_live - history["day"].min()).days >= 50


def test_admin_fixes_a_blocker_in_the_browser(page, before_settings):
    with streamlit_server(before_settings.path) as base:
        sign_in(page, base, "admin")
        open_page(page, base, "go_no_go")
        expect(page.get_by_text("No-go:", exact=False).first).to_be_visible()
        hipaa = page.get_by_text("HIPAA safeguards · RED · critical")
        expect(hipaa).to_be_visible()
        expect(page.get_by_text("Training gate · RED · critical")).to_be_visible()
        expect(page.get_by_text("HIPAA training in the new workflows not done", exact=False)).to_be_visible()
        assert_no_exception(page)

        # The HIPAA card links to the page where it is fixed: tick the open item there, with evidence.
        page.locator(".st-key-live_hipaa").get_by_role("link", name="Fix on Checklists").click()
        wait_idle(page)
        chosen_list = page.get_by_role("combobox", name="List")
        chosen_list.click()
        page.get_by_role("option", name="HIPAA during the rollout").click()
        wait_idle(page)
        expect(chosen_list).to_have_value("HIPAA during the rollout")
        item = page.get_by_role("combobox", name="Item")
        item.click()
        item.fill("HIPAA training")
        page.get_by_role("option", name="HIPAA training in the new workflows").click()
        wait_idle(page)
        expect(item).to_have_value("HIPAA training in the new workflows")
        page.get_by_test_id("stCheckbox").filter(has_text="Done").locator("label").first.click()
        page.get_by_label("Evidence (a note or a link)").fill("Attendance sheet of the HIPAA session, in the binder")
        page.get_by_role("button", name="Save").click()
        wait_idle(page)
        expect(page.get_by_text("Saved “HIPAA training in the new workflows”")).to_be_visible()
        assert_no_exception(page)

        open_page(page, base, "go_no_go")
        expect(page.get_by_text("HIPAA safeguards · GREEN · critical")).to_be_visible()
        expect(page.get_by_text("Training gate · RED · critical")).to_be_visible()
        assert_no_exception(page)
