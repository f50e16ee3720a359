"""In a real browser: every demo role signs in and opens every page of its navigation without an
exception; deep links while signed out (also as a fresh server's first request) get the sign-in
form; a role signing in on a page it may not see gets no content of that page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from auth.roles import ROLES, pages_for
from tests.browser import (
    DEMO_LOGINS,
    assert_no_exception,
    exception_text,
    nav_link,
    open_page,
    sign_in,
    wait_idle,
)
from tests.conftest import streamlit_server

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", ROLES)
def test_role_opens_every_page_in_its_navigation(page, demo_server, role):
    sign_in(page, demo_server, DEMO_LOGINS[role])
    assert_no_exception(page)
    nav = page.get_by_test_id("stSidebarNav")
    expected = [p.key for p in pages_for(role)]
    for key in expected:
        expect(nav_link(page, key)).to_have_count(1)
    assert nav.locator("a").count() == len(expected), "the sidebar offers a page this role may not open"
    problems = []  # every page is opened, then all problems are reported together
    for key in expected:
        open_page(page, demo_server, key)
        if not (page.url.rstrip("/").endswith(key) or key == "home"):
            problems.append(f"{key}: the link led to {page.url}")
        text = exception_text(page)
        if text:
            problems.append(f"{key} as {role}: {text}")
        if page.get_by_text("You do not have access to this page.").count():
            problems.append(f"{key} as {role}: the page refused a role its navigation offers it to")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert not problems, "\n\n".join(problems)


def _assert_sign_in_form(page) -> None:
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()
    expect(page.get_by_role("textbox", name="Password")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


def test_deep_links_signed_out_get_the_sign_in_form(page, demo_server):
    for spec in pages_for("administrator", only_built=True) + pages_for("owner"):
        page.goto(f"{demo_server}/{spec.key}")
        wait_idle(page)
        _assert_sign_in_form(page)
        expect(page.get_by_role("heading", name=spec.title, exact=True)).to_have_count(0)
        expect(page.get_by_role("dialog")).to_have_count(0)  # no "Page not found" over the form
        assert_no_exception(page)


def test_signing_in_on_a_deep_link_opens_that_page(page, demo_server):
    sign_in(page, demo_server, DEMO_LOGINS["administrator"], path="audit_log")
    assert_no_exception(page)
    assert page.url.rstrip("/").endswith("/audit_log"), page.url
    expect(page.get_by_role("heading", name="Audit log", exact=True)).to_be_visible()


def test_deep_link_is_the_first_request_of_a_fresh_server(page, demo_dir):
    with streamlit_server(demo_dir / "config.toml") as base:
        page.goto(f"{base}/audit_log")
        wait_idle(page)
        _assert_sign_in_form(page)
        expect(page.get_by_role("heading", name="Audit log")).to_have_count(0)
        expect(page.get_by_test_id("stDataFrame")).to_have_count(0)


def test_signing_in_on_a_forbidden_page_shows_none_of_it(page, demo_server):
    sign_in(page, demo_server, "clinician", path="audit_log")
    assert_no_exception(page)
    expect(page.get_by_role("heading", name="Audit log")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(nav_link(page, "audit_log")).to_have_count(0)
