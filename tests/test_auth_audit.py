"""The audit log's filters and its CSV/Excel export (ui/exports.py)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
from sqlalchemy import update

from auth import audit
from auth.models import AuditEvent
from tracker.db import session_scope
from ui.exports import to_csv_bytes, to_excel_bytes


def _at(url: str, when: dt.datetime, username: str, action: str, **kwargs) -> None:
    audit.record(url, audit.Actor(username, "owner"), action, **kwargs)
    with session_scope(url) as s:
        newest = s.query(AuditEvent.id).order_by(AuditEvent.id.desc()).first()[0]
        s.execute(update(AuditEvent).where(AuditEvent.id == newest).values(ts=when))


def test_filters_by_user_action_and_dates(tmp_settings):
    url = tmp_settings.database_url
    _at(url, dt.datetime(2026, 3, 1, 23, 59), "ann", audit.SIGN_IN)
    _at(url, dt.datetime(2026, 3, 2, 8, 0), "ann", audit.SIGN_OUT)
    _at(url, dt.datetime(2026, 3, 2, 9, 0), "bob", audit.SIGN_IN)
    _at(url, dt.datetime(2026, 3, 3, 0, 0), "bob", audit.CHANGE, resource_type="milestone", resource_id=7,
        before={"status": "in_progress"}, after={"status": "done", "on": dt.date(2026, 3, 3)})

    assert audit.usernames(url) == ["ann", "bob"]
    assert audit.actions(url) == [audit.CHANGE, audit.SIGN_IN, audit.SIGN_OUT]
    day = audit.events(url, since=dt.datetime(2026, 3, 2), until=dt.datetime(2026, 3, 3))
    assert day["action"].tolist() == [audit.SIGN_IN, audit.SIGN_OUT]  # newest first, both ends honoured
    assert audit.events(url, username="bob", action=audit.SIGN_IN)["when"].tolist() == [
        pd.Timestamp(2026, 3, 2, 9, 0)]
    change = audit.events(url, action=audit.CHANGE).iloc[0]
    assert change["record"] == "7" and change["after"] == {"status": "done", "on": "2026-03-03"}


def test_exports_are_spreadsheet_safe():
    frame = pd.DataFrame({
        "user": ["=HYPERLINK(\"http://x\")", "ann", "+1", "@sum", None],
        "after": [{"a": 1}, None, None, None, None],
        "when": pd.to_datetime(["2026-03-02 09:00"] * 5),
        "count": [-1, 2, 3, 4, 5],
    })
    text = to_csv_bytes(frame).decode("utf-8-sig")
    rows = text.splitlines()
    assert rows[0] == "user,after,when,count"
    assert rows[1].startswith('"\'=HYPERLINK') and '"{""a"": 1}"' in rows[1] and rows[1].endswith(",-1")
    assert rows[3].startswith("'+1") and rows[4].startswith("'@sum")

    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(frame, "Audit log")))
    sheet = book["Audit log"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("user", "after", "when", "count")
    assert values[1][0] == "'=HYPERLINK(\"http://x\")" and values[1][1] == '{"a": 1}'
    assert values[1][2] == dt.datetime(2026, 3, 2, 9, 0) and values[1][3] == -1
    assert all(not isinstance(c, str) or not c.startswith("=") for row in values for c in row)
