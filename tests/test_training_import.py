"""Roster and LMS completion imports: every problem by row and column, all-or-nothing, idempotent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from auth import audit
from auth.models import AuditEvent
from tracker import training
from tracker.db import session_scope
from tracker.training_import import import_completions, import_roster

CORPUS = Path(__file__).parent / "fixtures" / "training"
ACTOR = audit.Actor("lead", "implementation_lead")
TODAY = dt.date(2026, 3, 1)


def _file(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def _counts(url: str) -> tuple[int, int, int]:
    with session_scope(url) as s:
        return (
            s.scalar(select(func.count(training.Staff.id))),
            s.scalar(select(func.count(training.Result.id))),
            s.scalar(select(func.count(AuditEvent.id))),
        )


@pytest.fixture
def url(tmp_settings):
    return tmp_settings.database_url


@pytest.fixture
def roster_url(url):
    training.load_default_curriculum(url, ACTOR)
    report = import_roster(url, _file("roster_good.csv"), ACTOR)
    assert report.ok and report.written and report.created == 8
    return url


def test_good_roster_imports_every_person_with_aliases_resolved(roster_url):
    people = {p.staff_key: p for p in training.list_staff(roster_url)}
    assert len(people) == 8
    assert people["S003"].role_group == "clinician"  # "PT"
    assert people["S005"].role_group == "assistant"  # "PTA"
    assert people["S002"].role_group == "front_desk"  # "Front Desk"
    assert people["S008"].active is False
    assert training.super_users_by_location(roster_url) == {
        "Lakeside": ["Drew Santos"],
        "Main clinic": ["Avery Lund"],
    }


def test_bad_roster_reports_every_problem_by_row_and_column_and_writes_nothing(url):
    before = _counts(url)
    report = import_roster(url, _file("roster_bad.csv"), ACTOR)
    got = {(p.row, p.column) for p in report.problems}
    assert got == {
        (3, "name"),
        (4, "role_group"),
        (5, "staff_id"),
        (6, "location"),
        (6, "active"),
        (7, "super_user"),
    }
    assert all(p.column for p in report.problems)
    texts = [str(p) for p in report.problems]
    assert any("row 5, column staff_id" in t and "row 2" in t for t in texts)  # duplicate names its first row
    assert any("'physician'" in t for t in texts)
    assert not report.written and report.valid_rows == 2 and report.rows == 7
    assert _counts(url) == before
    assert "nothing was imported" in report.summary()


def test_valid_rows_only_imports_just_the_clean_rows(url):
    report = import_roster(url, _file("roster_bad.csv"), ACTOR, valid_rows_only=True)
    assert report.written and report.created == 2
    assert sorted(p.staff_key for p in training.list_staff(url)) == ["S001", "S007"]


def test_missing_column_and_wrong_encoding_are_reported(url):
    report = import_roster(url, _file("roster_missing_column.csv"), ACTOR)
    assert [(p.row, p.column) for p in report.problems] == [(1, "role_group")]
    report = import_roster(url, _file("roster_latin1.csv"), ACTOR)
    assert [(p.row, p.column) for p in report.problems] == [(2, "name")]
    assert "UTF-8" in report.problems[0].message
    assert _counts(url)[0] == 0
    report = import_roster(url, b"", ACTOR)
    assert report.problems and "empty" in report.problems[0].message


def test_reimporting_the_same_roster_changes_nothing(roster_url):
    before = _counts(roster_url)
    report = import_roster(roster_url, _file("roster_good.csv"), ACTOR)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 8)
    # only the import's own summary row is added to the audit log
    assert _counts(roster_url)[:2] == before[:2] and _counts(roster_url)[2] == before[2] + 1


def test_changed_roster_row_updates_and_audits_before_after(roster_url):
    data = _file("roster_good.csv").replace(
        b"S002,Blake Moss,Front Desk,Main clinic,yes,no", b"S002,Blake Moss,Front Desk,Lakeside,yes,no"
    )
    report = import_roster(roster_url, data, ACTOR)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 7)
    with session_scope(roster_url) as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.resource_id == "S002").order_by(AuditEvent.id.desc())
        ).first()
        assert event.before == {"location": "Main clinic"} and event.after == {"location": "Lakeside"}


def test_good_completions_import_and_reimport_is_idempotent(roster_url):
    report = import_completions(roster_url, _file("completions_good.csv"), ACTOR, today=TODAY)
    assert report.ok, report.problems
    assert report.created == 6
    results = {(r.staff_key, r.module_key): r for r in training.list_results(roster_url)}
    assert results[("S001", "FD-CARD")].check_date == dt.date(2026, 2, 6)  # defaults to completion date
    assert results[("S002", "FD-SCHED")].completed_on == dt.date(2026, 2, 10)  # M/D/YYYY
    assert results[("S003", "CL-NOTES")].check_result == "pass" and results[("S003", "CL-NOTES")].score == 84
    assert results[("S005", "AS-NOTES")].check_result is None
    before = _counts(roster_url)
    again = import_completions(roster_url, _file("completions_good.csv"), ACTOR, today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert _counts(roster_url)[:2] == before[:2]


def test_bad_completions_report_every_row_and_column_and_write_nothing(roster_url):
    before = _counts(roster_url)
    report = import_completions(roster_url, _file("completions_bad.csv"), ACTOR, today=TODAY)
    got = {(p.row, p.column) for p in report.problems}
    assert got == {
        (3, "staff_id"),
        (4, "module_id"),
        (5, "completed_on"),
        (6, "score"),
        (7, "module_id"),
        (8, "check_result"),
        (9, "module_id"),
        (10, "check_date"),
        (11, "completed_on"),
    }
    texts = " | ".join(str(p) for p in report.problems)
    assert "unknown person 'S099'" in texts and "unknown module 'XX-NOPE'" in texts
    assert "'2026-02-31' is not a date" in texts and "140 is outside 0-100" in texts
    assert "duplicate row" in texts and "is also on row 2" in texts
    assert not report.written and _counts(roster_url) == before
    only = import_completions(
        roster_url, _file("completions_bad.csv"), ACTOR, today=TODAY, valid_rows_only=True
    )
    assert only.written and only.created == 1
    assert [(r.staff_key, r.module_key) for r in training.list_results(roster_url)] == [("S001", "FD-SCHED")]


def test_future_completion_dates_are_refused(roster_url):
    data = b"staff_id,module_id,completed_on\nS001,FD-SCHED,2026-03-02\n"
    report = import_completions(roster_url, data, ACTOR, today=TODAY)
    assert [(p.row, p.column) for p in report.problems] == [(2, "completed_on")]
    assert "future" in report.problems[0].message
