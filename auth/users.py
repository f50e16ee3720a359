"""Users: Argon2id password hashes, five failures lock an account for 15 minutes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from auth import audit
from auth.models import User
from auth.roles import ROLES
from tracker.db import session_scope, utcnow

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
IDLE_TIMEOUT = dt.timedelta(minutes=15)
DEMO_PASSWORD = "demo"
DEMO_USERS = (
    ("admin", "administrator", "Dana Whitfield"),
    ("owner", "owner", "Marcus Ellery"),
    ("lead", "implementation_lead", "Priya Natarajan"),
    ("billing", "billing", "Gloria Mendez"),
    ("clinician", "clinician", "Sam Okafor, DPT"),
    ("frontdesk", "front_desk", "Tess Kowalski"),
)

_hasher = PasswordHasher()  # argon2-cffi's default type is Argon2id


class AuthError(Exception):
    """Sign-in refused; the message is safe to show (it never says which part was wrong)."""


class AccountLocked(AuthError):
    pass


@dataclass(frozen=True)
class SignedInUser:
    """What a session keeps about its user (never an ORM object)."""

    id: int
    username: str
    role: str
    display_name: str


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_user(database_url: str, username: str, role: str, password: str, display_name: str = "",
                actor: audit.Actor | None = None) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if not username.strip():
        raise ValueError("a username is required")
    if not password:
        raise ValueError("a password is required")
    with session_scope(database_url) as s:
        if s.scalar(select(User).where(User.username == username)):
            raise ValueError(f"user {username!r} already exists")
        s.add(User(username=username, role=role, display_name=display_name or username,
                   password_hash=hash_password(password), password_changed_at=utcnow()))
        audit.add(s, actor or audit.Actor("system"), audit.CREATE, resource_type="user", resource_id=username,
                  after={"username": username, "role": role})


def idle_expired(last_activity: dt.datetime | None, now: dt.datetime) -> bool:
    """True when a session has been idle longer than IDLE_TIMEOUT (15 minutes)."""
    return last_activity is not None and now - last_activity > IDLE_TIMEOUT


# Verified against when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anybody")


def authenticate(database_url: str, username: str, password: str, session_uid: str | None = None,
                 now: dt.datetime | None = None) -> SignedInUser:
    """Check a sign-in; counts failures, locks after five, and audits every outcome.

    The failure counter and the audit rows are committed before the refusal is raised (raising inside
    the transaction would roll them back and the lock-out would never happen).
    """
    now = now or utcnow()
    refusal: AuthError | None = None
    signed_in: SignedInUser | None = None
    with session_scope(database_url) as s:
        user = s.scalar(select(User).where(User.username == username))
        actor = audit.Actor(username or None, user.role if user else None, session_uid)
        if user is None or not user.active:
            verify_password(_DUMMY_HASH, password)
            audit.add(s, actor, audit.SIGN_IN_FAILED,
                      detail={"reason": "unknown user" if user is None else "disabled user"})
            refusal = AuthError("Wrong username or password.")
        elif user.locked_until and user.locked_until > now:
            audit.add(s, actor, audit.SIGN_IN_FAILED, detail={"reason": "locked"})
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            refusal = AccountLocked(f"This account is locked after {MAX_FAILED_ATTEMPTS} failed sign-ins. "
                                    f"Try again in {minutes} minute(s) or ask an administrator.")
        elif not verify_password(user.password_hash, password):
            user.failed_attempts = (user.failed_attempts or 0) + 1
            audit.add(s, actor, audit.SIGN_IN_FAILED, detail={"reason": "wrong password",
                                                              "attempt": user.failed_attempts})
            refusal = AuthError("Wrong username or password.")
            if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
                user.locked_until = now + LOCKOUT
                user.failed_attempts = 0
                audit.add(s, actor, audit.LOCKED_OUT, detail={"until": user.locked_until})
                refusal = AccountLocked(f"Too many failed sign-ins: this account is locked for "
                                        f"{int(LOCKOUT.total_seconds() // 60)} minutes.")
        else:
            user.failed_attempts = 0
            user.locked_until = None
            user.last_login_at = now
            audit.add(s, actor, audit.SIGN_IN)
            signed_in = SignedInUser(user.id, user.username, user.role, user.display_name)
    if refusal is not None:
        raise refusal
    assert signed_in is not None
    return signed_in


@dataclass(frozen=True)
class UserView:
    """One login as the Users page and ``manage.py users list`` show it."""

    username: str
    display_name: str
    role: str
    active: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None
    created_at: dt.datetime

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())


def list_users(database_url: str) -> list[UserView]:
    with session_scope(database_url) as s:
        return [UserView(u.username, u.display_name, u.role, u.active, u.locked_until, u.last_login_at,
                         u.created_at)
                for u in s.scalars(select(User).order_by(User.username))]


def _get(s, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValueError(f"no user named {username!r}")
    return user


def set_active(database_url: str, username: str, active: bool, actor: audit.Actor | None = None) -> None:
    """Disable (or enable again) a login; a disabled user cannot sign in. Audited."""
    with session_scope(database_url) as s:
        user = _get(s, username)
        before = user.active
        user.active = active
        audit.add(s, actor or audit.Actor("system"), "user.enable" if active else "user.disable",
                  resource_type="user", resource_id=username, before={"active": before}, after={"active": active})


def disable_user(database_url: str, username: str, actor: audit.Actor | None = None) -> None:
    set_active(database_url, username, False, actor)


def reset_password(database_url: str, username: str, password: str, actor: audit.Actor | None = None) -> None:
    """Set a new password and clear any lock-out. Audited (the password itself never is)."""
    if not password:
        raise ValueError("the new password must not be empty")
    with session_scope(database_url) as s:
        user = _get(s, username)
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
        user.failed_attempts = 0
        user.locked_until = None
        audit.add(s, actor or audit.Actor("system"), "user.reset_password", resource_type="user",
                  resource_id=username)


def seed_demo(settings, moment: str, today: dt.date) -> None:  # noqa: ARG001 - seeder signature
    """One demo user per role, password ``demo`` (shown on the sign-in page only in the demo)."""
    with session_scope(settings.database_url) as s:
        existing = set(s.scalars(select(User.username)).all())
    for username, role, name in DEMO_USERS:
        if username not in existing:
            create_user(settings.database_url, username, role, DEMO_PASSWORD, name)
