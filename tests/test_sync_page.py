"""The Data sources page and the freshness banner: AppTest for the content, one browser journey for
"Sync now" (the administrator clicks it, sees progress end in success, and the history grows)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from auth.users import SignedInUser, create_user
from config.settings import load_settings
from jobs.setup import init_stores
from jobs.sync import sync_one
from tests.browser import assert_no_exception, open_page, sign_in
from tests.conftest import REPO, streamlit_server, write_config
from tests.sync_helpers import make_pms, write_mapping
from tracker import sync_log
from tracker.db import session_scope


def _practice(directory, *, broken_new: bool = True):
    db = make_pms(directory / "legacy_pms.db")
    mapping = write_mapping(directory / "legacy.yaml")
    new_url = f"sqlite:///{directory}/nowhere.db" if broken_new else f"sqlite:///{db}"
    sources = f'''
[[sources]]
name = "legacy"
role = "legacy"
kind = "sql"
url = "sqlite:///{db}"
mapping = "{mapping}"
schedule = "0 2 * * *"

[[sources]]
name = "new"
role = "new"
kind = "sql"
url = "{new_url}"
mapping = "{mapping}"
'''
    settings = load_settings(write_config(directory, sources=sources))
    init_stores(settings)
    return settings


def _user(role: str = "administrator") -> SignedInUser:
    return SignedInUser(id=1, username="admin", role=role, display_name="Ada Admin")


def test_statuses_and_banner_lines(tmp_path):
    from ui.freshness import banner_lines

    settings = _practice(tmp_path / "p")
    assert {s.freshness for s in sync_log.source_statuses(settings)} == {"never"}
    assert sync_one(settings, "legacy").outcome == "success"
    assert sync_one(settings, "new").outcome == "failed"
    legacy, new = sync_log.source_statuses(settings)
    assert legacy.freshness == "fresh" and not legacy.needs_attention
    assert new.last_failed and new.needs_attention
    lines = banner_lines(settings)
    assert len(lines) == 1 and "The last sync of **new** failed" in lines[0]
    assert "could not reach the new database" in lines[0]
    # two days later the legacy data is stale too
    with session_scope(settings.database_url) as s:
        s.execute(update(sync_log.SyncRun).values(finished_at=sync_log.utcnow() - dt.timedelta(days=2)))
    legacy = sync_log.source_statuses(settings)[0]
    assert legacy.freshness == "stale" and sync_log.age_words(legacy.age) == "2 days ago"
    assert any("was last synced 2 days ago" in line for line in banner_lines(settings))


def test_page_shows_each_source(tmp_path, monkeypatch):
    settings = _practice(tmp_path / "p")
    sync_one(settings, "legacy")
    sync_one(settings, "new")
    monkeypatch.setenv("APP_CONFIG", str(settings.path))
    at = AppTest.from_file(str(REPO / "app_pages" / "data_sources.py"), default_timeout=60)
    at.session_state["user"] = _user()
    at.run()
    assert not at.exception
    assert [h.value for h in at.subheader][:2] == ["legacy", "new"]
    errors = " ".join(e.value for e in at.error)
    assert "could not reach the new database" in errors
    assert any("24 rows" in s.value for s in at.success)
    assert len(at.dataframe) >= 2  # rows per table and the history
    assert [b.label for b in at.button] == ["Sync now", "Sync now"]


def test_page_refuses_other_roles(tmp_path, monkeypatch):
    settings = _practice(tmp_path / "p")
    monkeypatch.setenv("APP_CONFIG", str(settings.path))
    at = AppTest.from_file(str(REPO / "app_pages" / "data_sources.py"), default_timeout=60)
    at.session_state["user"] = _user("owner")
    at.run()
    assert "You do not have access to this page." in [e.value for e in at.error]


@pytest.fixture(scope="module")
def sync_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sync-page")
    settings = _practice(directory, broken_new=False)
    create_user(settings.database_url, "admin", "administrator", "demo", "Ada Admin")
    with streamlit_server(settings.path) as base:
        yield base, settings


def test_admin_syncs_now_and_sees_success(page, sync_server):
    base, settings = sync_server
    sign_in(page, base, "admin")
    expect(page.get_by_text("has never been synced").first).to_be_visible()  # the banner on every page
    open_page(page, base, "data_sources")
    expect(page.get_by_role("heading", name="Data sources")).to_be_visible()
    page.get_by_role("button", name="Sync now").first.click()
    expect(page.get_by_text("Last sync finished")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("24 rows (sync #1, started by admin)")).to_be_visible()
    assert_no_exception(page)
    run = sync_log.latest_success(settings.database_url, "legacy")
    assert run is not None and run.triggered_by == "admin" and run.total_rows == 24
