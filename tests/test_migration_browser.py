"""The migration screens in a real browser on the demo practice: administrator opens each without an
exception; billing sees the AR receipts and nothing else of the area."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser import assert_no_exception, open_page, sign_in

PAGES = ("migration_readiness", "migration_findings", "migration_runs", "spot_checks", "premigration_audit")


def test_administrator_opens_every_migration_page(page: Page, demo_server):
    sign_in(page, demo_server, "admin")
    for key in PAGES:
        open_page(page, demo_server, key)
        assert_no_exception(page)
    open_page(page, demo_server, "migration_readiness")
    expect(page.get_by_text("Open AR").first).to_be_visible()
    expect(page.get_by_text("go-live").first).to_be_visible()


def test_billing_sees_ar_receipts_only(page: Page, demo_server):
    sign_in(page, demo_server, "billing")
    nav = page.get_by_test_id("stSidebarNav")
    for key in ("migration_findings", "migration_runs", "spot_checks", "premigration_audit"):
        expect(nav.locator(f"a[href$='/{key}']")).to_have_count(0)
    open_page(page, demo_server, "migration_readiness")
    assert_no_exception(page)
    expect(page.get_by_text("Open AR at cut-over")).to_be_visible()
    expect(page.get_by_text("Records per type")).to_have_count(0)
    expect(page.get_by_role("button", name="Run the migration check now")).to_have_count(0)
