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
    close_dialogs(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)


def close_dialogs(page: Page) -> None:
    """Dismiss a modal such as Streamlit's "Page not found" (a deep link while signed out)."""
    for _ in range(3):
        if page.get_by_role("dialog").count() == 0:
            return
        page.keyboard.press("Escape")
        page.wait_for_timeout(200)


def nav_link(page: Page, key: str):
    """The sidebar link of a page; home is the default page, whose address is the bare base URL."""
    selector = "a[href$='/']" if key == "home" else f"a[href$='/{key}']"
    return page.get_by_test_id("stSidebarNav").locator(selector)


def open_page(page: Page, base_url: str, key: str) -> None:
    """Navigate inside the signed-in session by clicking the sidebar link (a reload would sign out)."""
    nav_link(page, key).first.click()
    if key != "home":
        page.wait_for_url(f"**/{key}", timeout=30_000)
    wait_idle(page)


def exception_text(page: Page) -> str | None:
    """The text of the first exception box Streamlit shows, or None."""
    boxes = page.get_by_test_id("stException")
    if boxes.count():
        return boxes.first.inner_text()[:2000]
    if page.get_by_text("Traceback").count():
        return page.get_by_text("Traceback").first.inner_text()[:2000]
    return None


def assert_no_exception(page: Page, where: str = "") -> None:
    text = exception_text(page)
    assert text is None, f"{where or page.url}: {text}"
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)
