"""Helpers for Playwright tests against a running Streamlit app."""

from __future__ import annotations

from playwright.sync_api import Page, expect

DEMO_LOGINS = {
    "administrator": "admin", "owner": "owner", "implementation_lead": "lead", "billing": "billing",
    "clinician": "clinician", "front_desk": "frontdesk",
}


def wait_idle(page: Page, timeout: float = 60_000) -> None:
    """Streamlit's own wait: connected, script not running, no skeletons (ENGINEERING_NOTES.md §2b)."""
    page.wait_for_timeout(250)
    page.locator("[data-testid=stApp][data-test-connection-state=CONNECTED]").wait_for(state="attached",
                                                                                      timeout=timeout)
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(state="attached",
                                                                                   timeout=timeout)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout)
    page.wait_for_timeout(100)


def sign_in(page: Page, base_url: str, username: str, password: str = "demo", path: str = "") -> None:
    page.goto(f"{base_url}/{path}")
    wait_idle(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)


def open_page(page: Page, base_url: str, key: str) -> None:
    """Navigate inside the signed-in session by clicking the sidebar link (a reload would sign out)."""
    page.get_by_test_id("stSidebarNav").locator(f"a[href$='/{key}']").first.click()
    wait_idle(page)


def assert_no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)
