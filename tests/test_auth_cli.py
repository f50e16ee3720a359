"""``manage.py users add|list|disable|reset-password`` as a user runs it; the password never shows."""

from __future__ import annotations

import subprocess
import sys

from auth import audit
from auth.users import AuthError, authenticate
from tests.conftest import REPO, write_config

SECRET = "Tr1cky-Secret!"


def _manage(config, *args, stdin: str = ""):
    return subprocess.run([sys.executable, "manage.py", "--config", str(config), "users", *args], cwd=REPO,
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_users_commands_end_to_end(tmp_path):
    config = write_config(tmp_path)
    url = f"sqlite:///{tmp_path}/app.db"

    done = _manage(config, "add", "rosa", "--role", "billing", "--name", "Rosa Diaz", stdin=SECRET + "\n")
    assert done.returncode == 0, done.stderr
    assert "Added rosa (Billing lead)" in done.stdout
    assert authenticate(url, "rosa", SECRET).role == "billing"

    listed = _manage(config, "list")
    assert listed.returncode == 0
    line = next(x for x in listed.stdout.splitlines() if x.startswith("rosa"))
    assert "billing" in line and "Rosa Diaz" in line and "active" in line

    assert _manage(config, "reset-password", "rosa", "--password", "second-pw").returncode == 0
    assert authenticate(url, "rosa", "second-pw").username == "rosa"

    assert _manage(config, "disable", "rosa").returncode == 0
    try:
        authenticate(url, "rosa", "second-pw")
        raise AssertionError("a disabled user signed in")
    except AuthError:
        pass
    assert "disabled" in _manage(config, "list").stdout

    bad = _manage(config, "add", "sam", "--role", "boss", "--password", "x")
    assert bad.returncode == 2 and "unknown role 'boss'" in bad.stderr and str(config) in bad.stderr
    missing = _manage(config, "disable", "nobody")
    assert missing.returncode == 2 and "no user named 'nobody'" in missing.stderr
    empty = _manage(config, "add", "sam", "--role", "owner", stdin="\n")
    assert empty.returncode == 2 and "no password given" in empty.stderr

    log = audit.events(url)
    assert {"create", "user.reset_password", "user.disable"} <= set(log["action"])
    assert set(log.loc[log["action"] != audit.SIGN_IN, "user"].dropna()) <= {"rosa"} | {
        u for u in log["user"].dropna() if u.startswith("cli:")}
    everything = done.stdout + done.stderr + listed.stdout + log.to_csv()
    assert SECRET not in everything and "second-pw" not in everything
