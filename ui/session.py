"""Who is signed in, which config the session uses, and the per-page role guard."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import streamlit as st

from auth import audit
from auth.roles import can_view
from auth.users import SignedInUser
from auth.users import idle_expired as _idle_expired
from config.settings import Settings, default_config_path, load_settings

USER_KEY = "user"
LAST_ACTIVITY_KEY = "last_activity"
MOMENT_KEY = "demo_moment"


def session_uid() -> str:
    if "session_uid" not in st.session_state:
        st.session_state["session_uid"] = uuid.uuid4().hex
    return st.session_state["session_uid"]


def config_path() -> str:
    """APP_CONFIG wins (tests, deployments); otherwise the demo moment chosen in this session."""
    env = os.environ.get("APP_CONFIG")
    if env:
        return env
    return str(default_config_path(st.session_state.get(MOMENT_KEY, "after")))


@st.cache_resource(show_spinner=False)
def _settings_for(path: str, _stamp: float) -> Settings:
    return load_settings(path)


def reload_settings() -> None:
    """Forget loaded configs (the demo's go-live moves with the anchor written by its first build)."""
    _settings_for.clear()


def moment_choosable() -> bool:
    """The sign-in page offers both demo moments unless a config was given (APP_CONFIG)."""
    return not os.environ.get("APP_CONFIG")


def settings() -> Settings:
    path = config_path()
    try:
        stamp = os.path.getmtime(path)
    except OSError:
        stamp = 0.0
    return _settings_for(path, stamp)


def current_user() -> SignedInUser | None:
    return st.session_state.get(USER_KEY)


def actor() -> audit.Actor:
    user = current_user()
    return audit.Actor(user.username if user else None, user.role if user else None, session_uid())


def sign_in(user: SignedInUser) -> None:
    st.session_state[USER_KEY] = user
    st.session_state[LAST_ACTIVITY_KEY] = dt.datetime.now()


# Kept across a sign-out; everything else a page put in the session (filters, selections that may
# name patients) is dropped with the user.
_KEPT_ON_SIGN_OUT = ("session_uid", MOMENT_KEY)


def sign_out(reason: str = audit.SIGN_OUT) -> None:
    """Audit the sign-out (or idle time-out) and forget the user and every page's session state."""
    user = current_user()
    if user is not None:
        audit.record(settings().database_url, actor(), reason)
    for key in list(st.session_state.keys()):
        if key not in _KEPT_ON_SIGN_OUT:
            del st.session_state[key]


def idle_expired(now: dt.datetime | None = None) -> bool:
    return _idle_expired(st.session_state.get(LAST_ACTIVITY_KEY), now or dt.datetime.now())


def touch() -> None:
    st.session_state[LAST_ACTIVITY_KEY] = dt.datetime.now()


def require_role(page_key: str) -> SignedInUser:
    """First line of every page: stop unless the signed-in role may open this page."""
    user = current_user()
    if user is None or not can_view(user.role, page_key):
        st.error("You do not have access to this page.")
        st.stop()
    return user
