"""Auth: Argon2id hashes, lock-out after five failures for 15 minutes, idle timeout, roles, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from auth import audit
from auth.models import User
from auth.roles import (
    ADMINISTRATOR,
    BILLING,
    CLINICIAN,
    FRONT_DESK,
    IMPLEMENTATION_LEAD,
    OWNER,
    PAGES,
    ROLES,
    can_view,
    may_see_patients,
    pages_for,
)
from auth.users import (
    AccountLocked,
    AuthError,
    authenticate,
    create_user,
    disable_user,
    hash_password,
    idle_expired,
    list_users,
    reset_password,
    set_active,
    verify_password,
)
from tracker.db import session_scope

T0 = dt.datetime(2026, 3, 2, 9, 0)


def _actions(url: str, username: str) -> list[str]:
    return list(reversed(audit.events(url, username=username)["action"].tolist()))


def test_hash_is_argon2id_and_verifies():
    h = hash_password("correct horse")
    assert h.startswith("$argon2id$")
    assert "correct horse" not in h
    assert verify_password(h, "correct horse")
    assert not verify_password(h, "Correct horse")
    assert not verify_password("not a hash", "x")
    assert hash_password("same") != hash_password("same")  # salted


def test_password_is_stored_hashed(tmp_settings):
    create_user(tmp_settings.database_url, "ann", BILLING, "s3cret-pass")
    with session_scope(tmp_settings.database_url) as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "ann"))
    assert stored.startswith("$argon2id$") and "s3cret-pass" not in stored
    frame = audit.events(tmp_settings.database_url)
    assert "s3cret-pass" not in frame.to_csv()


def test_sign_in_is_audited(tmp_settings):
    url = tmp_settings.database_url
    create_user(url, "ann", BILLING, "pw")
    user = authenticate(url, "ann", "pw", "sess-1", now=T0)
    assert (user.username, user.role) == ("ann", BILLING)
    row = audit.events(url, username="ann", action=audit.SIGN_IN).iloc[0]
    assert row["role"] == BILLING


def test_five_failures_lock_for_fifteen_minutes(tmp_settings):
    url = tmp_settings.database_url
    create_user(url, "ann", BILLING, "right")
    for i in range(4):
        with pytest.raises(AuthError) as info:
            authenticate(url, "ann", "wrong", now=T0 + dt.timedelta(seconds=i))
        assert not isinstance(info.value, AccountLocked)
    with pytest.raises(AccountLocked, match="locked for 15 minutes"):
        authenticate(url, "ann", "wrong", now=T0 + dt.timedelta(seconds=5))
    # Locked: even the right password is refused until 15 minutes have passed.
    with pytest.raises(AccountLocked, match="Try again in"):
        authenticate(url, "ann", "right", now=T0 + dt.timedelta(minutes=14, seconds=59))
    assert authenticate(url, "ann", "right", now=T0 + dt.timedelta(minutes=15, seconds=6)).username == "ann"
    assert _actions(url, "ann") == [audit.SIGN_IN_FAILED] * 5 + [audit.LOCKED_OUT, audit.SIGN_IN_FAILED,
                                                                 audit.SIGN_IN]


def test_success_resets_the_failure_count(tmp_settings):
    url = tmp_settings.database_url
    create_user(url, "ann", BILLING, "right")
    for _ in range(4):
        with pytest.raises(AuthError):
            authenticate(url, "ann", "wrong", now=T0)
    authenticate(url, "ann", "right", now=T0)
    for _ in range(4):  # four more: still not locked, the count started over
        with pytest.raises(AuthError) as info:
            authenticate(url, "ann", "wrong", now=T0)
        assert not isinstance(info.value, AccountLocked)


def test_unknown_and_disabled_users_get_the_same_message(tmp_settings):
    url = tmp_settings.database_url
    create_user(url, "ann", BILLING, "pw")
    with pytest.raises(AuthError, match="^Wrong username or password.$"):
        authenticate(url, "nobody", "pw")
    disable_user(url, "ann", audit.Actor("admin"))
    with pytest.raises(AuthError, match="^Wrong username or password.$"):
        authenticate(url, "ann", "pw")
    set_active(url, "ann", True, audit.Actor("admin"))
    assert authenticate(url, "ann", "pw").username == "ann"
    assert _actions(url, "nobody") == [audit.SIGN_IN_FAILED]


def test_reset_password_lifts_the_lock_and_is_audited(tmp_settings):
    url = tmp_settings.database_url
    create_user(url, "ann", BILLING, "old")
    for _ in range(5):
        with pytest.raises(AuthError):
            authenticate(url, "ann", "bad", now=T0)
    reset_password(url, "ann", "new-one", audit.Actor("admin", ADMINISTRATOR))
    with pytest.raises(AuthError):
        authenticate(url, "ann", "old", now=T0)
    assert authenticate(url, "ann", "new-one", now=T0).username == "ann"
    changes = audit.events(url, username="admin")
    assert changes["action"].tolist() == ["user.reset_password"]
    assert changes["record"].tolist() == ["ann"]
    assert "new-one" not in changes.to_csv()


def test_user_management_errors(tmp_settings):
    url = tmp_settings.database_url
    create_user(url, "ann", BILLING, "pw")
    with pytest.raises(ValueError, match="already exists"):
        create_user(url, "ann", OWNER, "pw")
    with pytest.raises(ValueError, match="unknown role 'boss'"):
        create_user(url, "bob", "boss", "pw")
    with pytest.raises(ValueError, match="password is required"):
        create_user(url, "bob", OWNER, "")
    with pytest.raises(ValueError, match="no user named 'zed'"):
        disable_user(url, "zed")
    assert [u.username for u in list_users(url)] == ["ann"]


def test_idle_timeout_is_fifteen_minutes():
    assert not idle_expired(None, T0)
    assert not idle_expired(T0, T0 + dt.timedelta(minutes=15))
    assert idle_expired(T0, T0 + dt.timedelta(minutes=15, seconds=1))


# The role matrix of the issue texts, written out by hand: page key -> roles that may open it.
EXPECTED = {
    "home": set(ROLES),
    "go_no_go": {OWNER, ADMINISTRATOR, IMPLEMENTATION_LEAD},
    "golive_review": {OWNER, ADMINISTRATOR},
    "quarterly_review": {OWNER},
    "users": {ADMINISTRATOR},
    "audit_log": {ADMINISTRATOR},
    "data_sources": {ADMINISTRATOR},
    "issue_log": set(ROLES),
    "my_items": set(ROLES),
}


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(role):
    for key, allowed in EXPECTED.items():
        assert can_view(role, key) == (role in allowed), (role, key)
    assert not can_view(role, "no_such_page")
    listed = [p.key for p in pages_for(role, only_built=False)]
    assert listed == [p.key for p in PAGES if role in p.roles]
    assert all(p.path.exists() for p in pages_for(role))
    assert may_see_patients(role) == (role not in (CLINICIAN, FRONT_DESK))


def test_every_page_has_known_roles_and_a_unique_key():
    keys = [p.key for p in PAGES]
    assert len(keys) == len(set(keys))
    for page in PAGES:
        assert page.roles and set(page.roles) <= set(ROLES), page.key
