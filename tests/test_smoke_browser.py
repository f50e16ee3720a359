"""The demo signs in and shows the home page in a real browser."""

from playwright.sync_api import expect

from tests.browser import assert_no_exception, sign_in, wait_idle


def test_owner_signs_in_and_sees_home(page, demo_server):
    sign_in(page, demo_server, "owner")
    expect(page.get_by_text("Days since go-live")).to_be_visible()
    assert_no_exception(page)


def test_deep_link_signed_out_shows_sign_in(page, demo_server):
    page.goto(f"{demo_server}/audit_log")
    wait_idle(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
