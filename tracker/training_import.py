"""Import the staff roster and an LMS completion export from CSV files.

Every row is checked before anything is written, and every problem is reported with its row and
column. Rows are numbered as a spreadsheet shows them: the header is row 1, the first person row 2.
Nothing is written while any problem remains, unless the caller asks for the valid rows only.
Imports are keyed (roster: ``staff_id``; completions: ``staff_id`` + ``module_id``), so importing the
same file again changes nothing.

Roster columns: staff_id, name, role_group, location; optional: active (yes/no, default yes),
super_user (yes/no, default no).
Completion columns: staff_id, module_id, completed_on; optional: check_result (pass/fail),
check_date (defaults to completed_on when a result is given), score (0-100).
Dates: YYYY-MM-DD or M/D/YYYY. Text: UTF-8 (a byte-order mark is fine).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select

from auth import audit
from tracker.db import session_scope
from tracker.training import (
    CHECK_RESULTS,
    ROLE_GROUP_LABELS,
    ROLE_GROUPS,
    Module,
    Staff,
    apply_changes,
    normalize_role_group,
    upsert_result,
    validate_result,
)

ROSTER = "roster"
COMPLETIONS = "completions"
REQUIRED_COLUMNS = {
    ROSTER: ("staff_id", "name", "role_group", "location"),
    COMPLETIONS: ("staff_id", "module_id", "completed_on"),
}
OPTIONAL_COLUMNS = {
    ROSTER: ("active", "super_user"),
    COMPLETIONS: ("check_result", "check_date", "score"),
}
YES = {"yes", "y", "true", "1", "active"}
NO = {"no", "n", "false", "0", "inactive"}
RESULT_WORDS = {"pass": "pass", "passed": "pass", "p": "pass", "fail": "fail", "failed": "fail", "f": "fail"}


@dataclass(frozen=True)
class Problem:
    row: int  # spreadsheet row: header = 1
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    kind: str
    filename: str
    rows: int = 0
    valid_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"file": self.filename, "row": p.row, "column": p.column or "", "problem": p.message}
                for p in self.problems
            ],
            columns=["file", "row", "column", "problem"],
        )

    def summary(self) -> str:
        if self.written:
            return (
                f"{self.filename}: {self.created} added, {self.updated} updated, {self.unchanged} unchanged"
                + (f"; {len(self.problems)} problem(s) in rows that were skipped" if self.problems else "")
                + "."
            )
        return (
            f"{self.filename}: {len(self.problems)} problem(s) in {self.rows} row(s); nothing was imported."
            if self.problems
            else f"{self.filename}: {self.rows} row(s) are valid; nothing imported yet."
        )


@dataclass
class _Row:
    number: int
    values: dict


# ------------------------------------------------------------------------------------------------ reading


def _read(data: bytes, kind: str, report: ImportReport) -> list[_Row]:
    """Decode and split the file; file-level problems go to the report."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        header = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip().split(",")
        cell = data[line_start : exc.start].count(b",")
        column = header[cell].strip().lower() if row > 1 and cell < len(header) else None
        report.problems.append(
            Problem(
                row,
                column,
                f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                "save it as 'CSV UTF-8' and import it again",
            )
        )
        return []
    if not text.strip():
        report.problems.append(Problem(1, None, "the file is empty"))
        return []
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
        raw_rows = list(reader)
    except csv.Error as exc:
        report.problems.append(Problem(1, None, f"the file is not valid CSV: {exc}"))
        return []
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in header]
    for column in missing:
        report.problems.append(
            Problem(
                1,
                column,
                f"required column {column!r} is missing (the header has: {', '.join(header) or 'nothing'})",
            )
        )
    seen: set[str] = set()
    for column in header:
        if column in seen:
            report.problems.append(Problem(1, column, f"column {column!r} appears twice in the header"))
        seen.add(column)
    if missing:
        return []
    rows = []
    for i, cells in enumerate(raw_rows, start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines are not data
        report.rows += 1
        if len(cells) != len(header):
            column = header[len(cells)] if len(cells) < len(header) else f"(cell {len(header) + 1})"
            report.problems.append(
                Problem(i, column, f"the row has {len(cells)} cells but the header has {len(header)}")
            )
            continue
        rows.append(_Row(i, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    return rows


def parse_date(text: str) -> dt.date:
    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.strptime(text, "%m/%d/%Y").date()
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or M/D/YYYY)") from exc


def _flag(text: str, default: bool) -> bool:
    word = text.strip().lower()
    if not word:
        return default
    if word in YES:
        return True
    if word in NO:
        return False
    raise ValueError(f"{text!r} is not yes or no")


# ------------------------------------------------------------------------------------------------ checking


def _check_roster(rows: list[_Row], report: ImportReport) -> list[tuple[int, dict]]:
    valid, first_seen = [], {}
    for row in rows:
        v, errors = row.values, []
        key = v["staff_id"]
        if not key:
            errors.append(Problem(row.number, "staff_id", "staff id is empty"))
        elif key in first_seen:
            errors.append(
                Problem(
                    row.number,
                    "staff_id",
                    f"duplicate row: staff id {key!r} is also on row {first_seen[key]}",
                )
            )
        else:
            first_seen[key] = row.number
        if not v["name"]:
            errors.append(Problem(row.number, "name", "name is empty"))
        group = normalize_role_group(v["role_group"])
        if group is None:
            errors.append(
                Problem(
                    row.number,
                    "role_group",
                    f"{v['role_group']!r} is not a role group (use one of {', '.join(ROLE_GROUPS)})",
                )
            )
        if not v["location"]:
            errors.append(Problem(row.number, "location", "location is empty"))
        flags = {}
        for column, default in (("active", True), ("super_user", False)):
            try:
                flags[column] = _flag(v.get(column, ""), default)
            except ValueError as exc:
                errors.append(Problem(row.number, column, str(exc)))
        report.problems.extend(errors)
        if not errors:
            valid.append(
                (
                    row.number,
                    {
                        "staff_key": key,
                        "name": v["name"],
                        "role_group": group,
                        "location": v["location"],
                        **flags,
                    },
                )
            )
    return valid


def _check_completions(
    rows: list[_Row],
    report: ImportReport,
    staff: dict[str, tuple[str, str]],
    modules: dict[str, str],
    today: dt.date,
) -> list[tuple[int, dict]]:
    """staff: staff id -> (name, role group); modules: module id -> role group."""
    valid, first_seen = [], {}
    for row in rows:
        v, errors = row.values, []
        person, module = v["staff_id"], v["module_id"]
        if person not in staff:
            errors.append(
                Problem(
                    row.number,
                    "staff_id",
                    f"unknown person {person!r} (not on the roster; import the roster first)"
                    if person
                    else "staff id is empty",
                )
            )
        if module not in modules:
            errors.append(
                Problem(
                    row.number, "module_id", f"unknown module {module!r}" if module else "module id is empty"
                )
            )
        if person in staff and module in modules and staff[person][1] != modules[module]:
            errors.append(
                Problem(
                    row.number,
                    "module_id",
                    f"module {module!r} is for {ROLE_GROUP_LABELS[modules[module]]}, but "
                    f"{staff[person][0]} is in {ROLE_GROUP_LABELS[staff[person][1]]}",
                )
            )
        key = (person, module)
        if person and module:
            if key in first_seen:
                errors.append(
                    Problem(
                        row.number,
                        "module_id",
                        f"duplicate row: {person} / {module} is also on row {first_seen[key]}",
                    )
                )
            else:
                first_seen[key] = row.number
        dates = {}
        for column in ("completed_on", "check_date"):
            text = v.get(column, "")
            if not text:
                dates[column] = None
                continue
            try:
                dates[column] = parse_date(text)
            except ValueError as exc:
                errors.append(Problem(row.number, column, str(exc)))
        if not v["completed_on"]:
            errors.append(Problem(row.number, "completed_on", "completion date is empty"))
        result = None
        if v.get("check_result", ""):
            result = RESULT_WORDS.get(v["check_result"].strip().lower())
            if result is None:
                errors.append(
                    Problem(
                        row.number,
                        "check_result",
                        f"{v['check_result']!r} is not {' or '.join(CHECK_RESULTS)}",
                    )
                )
        score = None
        if v.get("score", ""):
            try:
                score = float(v["score"].rstrip("%"))
            except ValueError:
                errors.append(Problem(row.number, "score", f"{v['score']!r} is not a number"))
        if not errors:
            check_date = dates.get("check_date") or (dates.get("completed_on") if result else None)
            errors.extend(
                Problem(row.number, col, msg)
                for col, msg in validate_result(dates.get("completed_on"), result, check_date, score, today)
            )
        report.problems.extend(errors)
        if not errors:
            valid.append(
                (
                    row.number,
                    {
                        "staff_key": person,
                        "module_key": module,
                        "completed_on": dates["completed_on"],
                        "check_result": result,
                        "check_date": check_date,
                        "score": score,
                    },
                )
            )
    return valid


# ------------------------------------------------------------------------------------------------ importing


def import_roster(
    database_url: str,
    data: bytes,
    actor: audit.Actor,
    *,
    filename: str = "roster.csv",
    valid_rows_only: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Check a roster file and, if it is clean (or valid rows only were asked for), add or update people."""
    report = ImportReport(ROSTER, filename)
    rows = _read(data, ROSTER, report)
    valid = _check_roster(rows, report)
    report.valid_rows = len(valid)
    if dry_run or (report.problems and not valid_rows_only) or not valid:
        return report
    with session_scope(database_url) as s:
        existing = {p.staff_key: p for p in s.scalars(select(Staff))}
        for _number, values in valid:
            person = existing.get(values["staff_key"])
            if person is None:
                s.add(Staff(**values))
                audit.add(
                    s,
                    actor,
                    audit.CREATE,
                    resource_type="training_staff",
                    resource_id=values["staff_key"],
                    after=values,
                    note=f"imported from {filename}",
                )
                report.created += 1
            elif apply_changes(
                s,
                person,
                {k: v for k, v in values.items() if k != "staff_key"},
                actor,
                "training_staff",
                person.staff_key,
            ):
                report.updated += 1
            else:
                report.unchanged += 1
        audit.add(
            s,
            actor,
            "training.import",
            resource_type="training_import",
            resource_id=filename,
            detail=_detail(report),
        )
    report.written = True
    return report


def import_completions(
    database_url: str,
    data: bytes,
    actor: audit.Actor,
    *,
    today: dt.date,
    filename: str = "completions.csv",
    valid_rows_only: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Check an LMS completion export and, if clean (or valid rows only), record every result."""
    report = ImportReport(COMPLETIONS, filename)
    rows = _read(data, COMPLETIONS, report)
    with session_scope(database_url) as s:
        staff = {p.staff_key: (p.name, p.role_group) for p in s.scalars(select(Staff))}
        modules = {m.module_key: m.role_group for m in s.scalars(select(Module))}
    valid = _check_completions(rows, report, staff, modules, today)
    report.valid_rows = len(valid)
    if dry_run or (report.problems and not valid_rows_only) or not valid:
        return report
    with session_scope(database_url) as s:
        people = {p.staff_key: p for p in s.scalars(select(Staff))}
        mods = {m.module_key: m for m in s.scalars(select(Module))}
        for _number, v in valid:
            person, module = people.get(v["staff_key"]), mods.get(v["module_key"])
            if person is None or module is None:  # removed since the check; skip rather than guess
                continue
            outcome = upsert_result(
                s, actor, person, module, v["completed_on"], v["check_result"], v["check_date"], v["score"]
            )
            setattr(report, outcome, getattr(report, outcome) + 1)
        audit.add(
            s,
            actor,
            "training.import",
            resource_type="training_import",
            resource_id=filename,
            detail=_detail(report),
        )
    report.written = True
    return report


def _detail(report: ImportReport) -> dict:
    return {
        "kind": report.kind,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "problems": len(report.problems),
    }


TEMPLATES = {
    ROSTER: "staff_id,name,role_group,location,active,super_user\n"
    "S001,Jordan Example,front desk,Main clinic,yes,no\n",
    COMPLETIONS: "staff_id,module_id,completed_on,check_result,check_date,score\n"
    "S001,FD-SCHED,2026-03-02,pass,2026-03-02,92\n",
}
