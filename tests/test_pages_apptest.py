"""Every built page for every role, through Streamlit's AppTest, on the session's demo practice.

A role that may open a page gets it without an exception; a role that may not is stopped with the
access message and nothing else. Pages that land later are picked up from auth.roles.PAGES.
Also the entry point: sign-in form, wrong password, lock-out, idle sign-out, sign-out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from auth import audit
from auth.models import User
from auth.roles import PAGES, ROLES, can_view
from auth.users import DEMO_USERS, SignedInUser
from tests.conftest import REPO
from tracker.db import session_scope

BUILT = [p for p in PAGES if p.path.exists()]
DENIED = "You do not have access to this page."
USERNAME_OF = {role: name for name, role, _ in DEMO_USERS}


@pytest.fixture
def demo_env(demo_settings, monkeypatch):
    monkeypatch.setenv("APP_CONFIG", str(demo_settings.path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    return demo_settings


def _user(settings, role: str) -> SignedInUser:
    with session_scope(settings.database_url) as s:
        u = s.scalar(select(User).where(User.username == USERNAME_OF[role]))
        return SignedInUser(u.id, u.username, u.role, u.display_name)


def _page(settings, key: str, role: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "app_pages" / f"{key}.py"), default_timeout=60)
    at.session_state["user"] = _user(settings, role)
    at.session_state["last_activity"] = dt.datetime.now()
    return at.run()


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _signed_in_app(settings, role: str) -> AppTest:
    at = _app()
    at.session_state["user"] = _user(settings, role)
    at.session_state["last_activity"] = dt.datetime.now()
    return at.run()


@pytest.mark.parametrize("spec", BUILT, ids=[p.key for p in BUILT])
@pytest.mark.parametrize("role", ROLES)
def test_page_for_role(demo_env, spec, role):
    """Allowed: the page opens inside the app's navigation without an exception. Not allowed: the
    navigation does not offer it, and the page script on its own stops at the access message."""
    if can_view(role, spec.key):
        at = _signed_in_app(demo_env, role)
        if spec.key != "home":
            at.switch_page(f"app_pages/{spec.key}.py").run()
        assert not at.exception, f"{spec.key} as {role}: {[e.value for e in at.exception]}"
        assert DENIED not in _errors(at)
    else:
        at = _signed_in_app(demo_env, role)
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{spec.key}.py")
        alone = _page(demo_env, spec.key, role)
        assert not alone.exception
        assert _errors(alone) == [DENIED]
        assert not alone.title and not alone.dataframe and not alone.metric


def test_page_signed_out_is_refused(demo_env):
    for spec in BUILT:
        at = AppTest.from_file(str(REPO / "app_pages" / f"{spec.key}.py"), default_timeout=60).run()
        assert _errors(at) == [DENIED], spec.key
        assert not at.title, spec.key


def _app() -> AppTest:
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=120)


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    inputs = {t.label: t for t in at.text_input}
    inputs["Username"].input(username)
    inputs["Password"].input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    return at.run()


def test_entry_point_signs_in_and_out(demo_env):
    at = _app().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert any("Every role has an account" in m.value for m in at.markdown)

    at = _sign_in(at, "owner", "nope")
    assert _errors(at) == ["Wrong username or password."]

    at = _sign_in(at, "owner", "demo")
    assert not at.exception
    assert at.session_state["user"].role == "owner"
    assert any(m.label == "Your role" and m.value == "Owner" for m in at.metric)

    next(b for b in at.sidebar.button if b.label == "Sign out").click()
    at.run()
    assert "user" not in at.session_state
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    actions = audit.events(demo_env.database_url, username="owner")["action"].tolist()[:3]
    assert actions == [audit.SIGN_OUT, audit.SIGN_IN, audit.SIGN_IN_FAILED]


def test_idle_session_is_signed_out(demo_env):
    at = _app()
    at.session_state["user"] = _user(demo_env, "billing")
    at.session_state["last_activity"] = dt.datetime.now() - dt.timedelta(minutes=16)
    at.session_state["some_page_filter"] = "patient 123"
    at.run()
    assert not at.exception
    assert "user" not in at.session_state and "some_page_filter" not in at.session_state
    assert any("15 minutes without activity" in i.value for i in at.info)
    assert audit.events(demo_env.database_url, username="billing")["action"].iloc[0] == audit.IDLE_TIMEOUT


def test_recent_activity_keeps_the_session(demo_env):
    at = _app()
    at.session_state["user"] = _user(demo_env, "billing")
    at.session_state["last_activity"] = dt.datetime.now() - dt.timedelta(minutes=14)
    at.run()
    assert not at.exception
    assert at.session_state["user"].username == "billing"


def test_fifth_failure_locks_the_account(demo_env):
    from auth.users import create_user

    create_user(demo_env.database_url, "locktest", "clinician", "right-pw")
    at = _app().run()
    for _ in range(4):
        at = _sign_in(at, "locktest", "wrong")
        assert _errors(at) == ["Wrong username or password."]
    at = _sign_in(at, "locktest", "wrong")
    assert "locked for 15 minutes" in _errors(at)[0]
    at = _sign_in(at, "locktest", "right-pw")
    assert "locked" in _errors(at)[0]
    assert "user" not in at.session_state


def test_users_page_adds_and_disables(demo_env):
    at = _page(demo_env, "users", "administrator")
    at.text_input(key="new_username").input("newhire")
    at.text_input(key="new_name").input("New Hire")
    at.selectbox(key="new_role").select("front_desk")
    at.text_input(key="new_password").input("pw-1")
    at.text_input(key="new_password_again").input("pw-1")
    next(b for b in at.button if b.label == "Add user").click()
    at.run()
    assert not at.exception
    assert any("Added newhire" in s.value for s in at.success)
    at.selectbox(key="status_user").select("newhire")
    at.run()
    at.button(key="disable_user").click()
    at.run()
    assert any("Disabled newhire" in s.value for s in at.success)
    log = audit.events(demo_env.database_url, username="admin")
    assert {"create", "user.disable"} <= set(log["action"])
    assert set(log.loc[log["action"] == "user.disable", "record"]) == {"newhire"}


def test_audit_log_page_filters(demo_env):
    """A failed sign-in (made here, so the test does not rely on another test's) is found by its action."""
    from auth.users import AuthError, authenticate

    with pytest.raises(AuthError):
        authenticate(demo_env.database_url, USERNAME_OF["billing"], "not the password")
    at = _page(demo_env, "audit_log", "administrator")
    assert not at.exception
    at.selectbox(key="audit_action").select(audit.SIGN_IN_FAILED)
    at.run()
    frame = at.dataframe[0].value
    assert len(frame) > 0 and set(frame["action"]) == {audit.SIGN_IN_FAILED}


def test_real_practice_sign_in_page_lists_no_demo_accounts(tmp_path, monkeypatch):
    """A non-demo config: the first start creates both stores, and the sign-in page keeps quiet
    about demo accounts."""
    from config.settings import load_settings
    from tests.conftest import write_config

    config = write_config(tmp_path / "practice")
    monkeypatch.setenv("APP_CONFIG", str(config))
    at = _app().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert not any("demo" in m.value.lower() for m in at.markdown)
    assert not at.radio
    settings = load_settings(config)
    assert (tmp_path / "practice" / "app.db").exists() and (tmp_path / "practice" / "warehouse.duckdb").exists()
    assert settings.demo is False
