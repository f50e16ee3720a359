"""``manage.py users add|list|disable|reset-password``: manage logins from the command line.

The password comes from ``--password`` or is asked for (twice, hidden) on a terminal, or read as one
line from standard input when that is not a terminal. It is never printed or logged; the audit log
records who ran the command on this machine, not the password.
"""

from __future__ import annotations

import getpass
import sys

from auth import audit
from auth.roles import ROLE_LABELS, ROLES
from auth.users import create_user, list_users, reset_password, set_active
from tracker.db import upgrade


def _actor() -> audit.Actor:
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        who = "unknown"
    return audit.Actor(f"cli:{who}", None, None)


def _password(given: str | None, username: str) -> str:
    if given:
        return given
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ValueError("no password given: pass --password or type it on standard input")
        return line
    first = getpass.getpass(f"Password for {username}: ")
    if first != getpass.getpass("Repeat it: "):
        raise ValueError("the two passwords differ")
    if not first:
        raise ValueError("the password must not be empty")
    return first


def users_command(args, settings) -> int:
    upgrade(settings.database_url)  # a fresh install has no tables yet; idempotent otherwise
    url = settings.database_url
    try:
        if args.users_command == "add":
            if args.role not in ROLES:
                raise ValueError(f"unknown role {args.role!r}; use one of {', '.join(ROLES)}")
            create_user(url, args.username, args.role, _password(args.password, args.username), args.name,
                        actor=_actor())
            print(f"Added {args.username} ({ROLE_LABELS[args.role]}).")
        elif args.users_command == "list":
            _print_table(url)
        elif args.users_command == "disable":
            set_active(url, args.username, False, _actor())
            print(f"Disabled {args.username}: they can no longer sign in.")
        elif args.users_command == "reset-password":
            reset_password(url, args.username, _password(args.password, args.username), _actor())
            print(f"New password set for {args.username}; any lock-out is lifted.")
        else:  # argparse only lets the four through
            raise ValueError(f"unknown users command {args.users_command!r}")
    except ValueError as exc:
        print(f"error: {settings.path}: users {args.users_command}: {exc}", file=sys.stderr)
        return 2
    return 0


def _print_table(url: str) -> None:
    rows = [("username", "role", "name", "status", "last sign-in (UTC)")]
    for p in list_users(url):
        status = "disabled" if not p.active else (f"locked until {p.locked_until:%Y-%m-%d %H:%M}"
                                                  if p.is_locked() else "active")
        rows.append((p.username, p.role, p.display_name, status,
                     f"{p.last_login_at:%Y-%m-%d %H:%M}" if p.last_login_at else "never"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
