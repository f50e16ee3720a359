"""The KPI screens on the demo practice: AppTest for the records page's audit trail, and a real
browser for the owner's two review screens (and front desk kept out of them)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from auth import audit
from auth.models import User
from auth.users import SignedInUser
from tests.browser import DEMO_LOGINS, assert_no_exception, nav_link, open_page, sign_in
from tests.conftest import REPO
from tracker.db import session_scope


def _user(settings, username: str) -> SignedInUser:
    with session_scope(settings.database_url) as s:
        u = s.scalar(select(User).where(User.username == username))
        return SignedInUser(u.id, u.username, u.role, u.display_name)


def test_records_view_is_audited(demo_settings, monkeypatch):
    monkeypatch.setenv("APP_CONFIG", str(demo_settings.path))
    at = AppTest.from_file(str(REPO / "app_pages" / "kpi_records.py"), default_timeout=120)
    at.session_state["user"] = _user(demo_settings, "billing")
    at.session_state["last_activity"] = dt.datetime.now()
    at.run()
    assert not at.exception
    at.selectbox(key="records_kpi").select("charge_lag_days")
    at.selectbox(key="records_window").select("day30")
    before = len(audit.events(demo_settings.database_url, action=audit.VIEW_PATIENT_DATA))
    at.button(key="records_show").click().run()
    assert not at.exception
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) > 0
    events = audit.events(demo_settings.database_url, action=audit.VIEW_PATIENT_DATA)
    assert len(events) == before + 1
    assert events.iloc[0]["record"] == "charge_lag_days/day30" and events.iloc[0]["user"] == "billing"


@pytest.mark.browser
def test_owner_opens_both_reviews_and_front_desk_cannot(page, demo_server):
    sign_in(page, demo_server, DEMO_LOGINS["owner"])
    open_page(page, demo_server, "golive_review")
    expect(page.get_by_role("heading", name="Go-live review")).to_be_visible(timeout=120_000)
    expect(page.get_by_role("heading", name="Revenue cycle")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Clean claim rate (", exact=False).first).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Printable summary (PDF)")).to_be_visible()
    assert_no_exception(page)
    open_page(page, demo_server, "quarterly_review")
    expect(page.get_by_role("heading", name="Quarterly review")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Monthly recovered revenue =", exact=False)).to_be_visible(timeout=60_000)
    assert_no_exception(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, demo_server, DEMO_LOGINS["front_desk"])
    for key in ("golive_review", "quarterly_review", "kpi_records"):
        expect(nav_link(page, key)).to_have_count(0)
    page.goto(f"{demo_server}/golive_review")
    expect(page.get_by_role("heading", name="Go-live review")).to_have_count(0)
