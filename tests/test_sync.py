"""Sync end to end on the tiny hand-made PMS: values, the command line, the sync log, atomic snapshots,
the bad-input corpus (warehouse unchanged after each), the per-source lock and a killed sync."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import load_settings
from jobs.setup import init_stores
from jobs.sync import sync_all, sync_one
from tests.conftest import REPO, write_config
from tests.sync_helpers import (
    EXPECTED_ROWS,
    MAPPING,
    ROWS,
    csv_mapping,
    make_csv_folder,
    make_pms,
    sources_toml,
    warehouse_checksum,
    write_mapping,
)
from tracker import sync_log
from warehouse.store import reading
from warehouse.sync import SyncBusy, source_lock, stale_temp_files


def practice(tmp_path: Path, mapping_text: str = MAPPING, rows: dict | None = None, url: str | None = None,
             extra_sources: str = ""):
    directory = tmp_path / "practice"
    db = make_pms(directory / "legacy_pms.db", rows) if url is None else None
    mapping = write_mapping(directory / "legacy.yaml", mapping_text)
    sources = sources_toml(url or f"sqlite:///{db}", mapping) + extra_sources
    settings = load_settings(write_config(directory, sources=sources))
    init_stores(settings)
    return settings


def warehouse_file(settings) -> Path:
    return Path(settings.warehouse_url[len("duckdb://"):])


def test_sync_loads_hand_checked_values(tmp_path):
    settings = practice(tmp_path)
    view = sync_one(settings, "legacy", actor="cli")
    assert view.outcome == "success", view.error
    assert view.rows == EXPECTED_ROWS
    with reading(settings.warehouse_url) as con:
        appts = con.table("appointments").order_by("appointment_id").to_pandas()
        assert list(appts.appointment_id) == ["1000", "1001", "1002", "1003", "1004", "1005"]
        assert list(appts.status) == ["completed", "completed", "no_show", "cancelled", "late_cancel", "scheduled"]
        assert list(appts.appointment_type) == ["initial_eval", "follow_up", "follow_up", "initial_eval",
                                                "follow_up", "follow_up"]
        assert appts.scheduled_start[4] == dt.datetime(2026, 1, 9, 15, 30)
        assert appts.cancelled_at[3] == dt.datetime(2026, 1, 6, 8, 0) and appts.cancelled_at.isna()[0]
        assert set(appts.source_system) == {"legacy"}
        claims = con.table("claims").order_by("claim_id").to_pandas()
        assert list(claims.total_charge) == [Decimal("250.00"), Decimal("120.50"), Decimal("99.99")]
        assert str(claims.service_date_from[0])[:10] == "2026-01-05"
        lines = con.table("claim_lines").to_pandas()
        assert lines.units.sum() == 8 and sum(lines.charge_amount) == Decimal("470.49")
        patients = con.table("patients").order_by("patient_id").to_pandas()
        assert str(patients.birth_date[0])[:10] == "1950-02-03" and patients.birth_date.isna()[3]
        providers = con.table("providers").order_by("provider_id").to_pandas()
        assert list(providers.active) == [True, True, False]
        snapshot = con.table("_snapshot").to_pandas()
        assert list(snapshot.sync_id) == [view.id]
    assert sync_log.data_version(settings.database_url) == view.id
    assert sync_log.latest_success(settings.database_url, "legacy").rows == EXPECTED_ROWS
    assert stale_temp_files(warehouse_file(settings)) == []


def test_resync_replaces_rows_and_keeps_other_sources(tmp_path):
    folder = make_csv_folder(tmp_path / "exports")
    csv_map = write_mapping(tmp_path / "csv.yaml", csv_mapping())
    extra = sources_toml(str(folder), csv_map, name="new", kind="csv").replace('role = "legacy"', 'role = "new"')
    settings = practice(tmp_path, extra_sources=extra)
    views = sync_all(settings, actor="cli")
    assert [v.outcome for v in views] == ["success", "success"], [v.error for v in views]
    with reading(settings.warehouse_url) as con:
        legacy = con.table("appointments").filter(lambda t: t.source_system == "legacy").to_pandas()
        new = con.table("appointments").filter(lambda t: t.source_system == "new").to_pandas()
    # the CSV export (BOM, ';', US dates) gives exactly the database's rows
    cols = [c for c in legacy.columns if c != "source_system"]
    assert legacy[cols].sort_values("appointment_id").reset_index(drop=True).equals(
        new[cols].sort_values("appointment_id").reset_index(drop=True))
    # one appointment fewer in the legacy system: only legacy rows change, new rows stay
    db = Path(settings.source("legacy").url[len("sqlite:///"):])
    with sqlite3.connect(db) as con:
        con.execute("DELETE FROM tblAppt WHERE ApptID = 1005")
    again = sync_one(settings, "legacy")
    assert again.rows["appointments"] == 5
    with reading(settings.warehouse_url) as con:
        counts = con.table("appointments").group_by("source_system").aggregate(n=lambda t: t.count()).to_pandas()
        snap = con.table("_snapshot").to_pandas().set_index("source")
    assert dict(zip(counts.source_system, counts.n, strict=True)) == {"legacy": 5, "new": 6}
    assert snap.loc["legacy", "sync_id"] == again.id and snap.loc["new", "sync_id"] == views[1].id
    history = sync_log.history(settings.database_url)
    assert list(history.outcome) == ["success"] * 3 and list(history.source) == ["legacy", "new", "legacy"]


def test_open_reader_keeps_previous_snapshot(tmp_path):
    settings = practice(tmp_path)
    assert sync_one(settings, "legacy").outcome == "success"
    db = Path(settings.source("legacy").url[len("sqlite:///"):])
    with reading(settings.warehouse_url) as before:
        with sqlite3.connect(db) as con:
            con.execute("DELETE FROM tblAppt WHERE ApptID >= 1003")
        assert sync_one(settings, "legacy").outcome == "success"
        assert before.table("appointments").count().execute() == 6  # still the old snapshot
        with reading(settings.warehouse_url) as after:
            assert after.table("appointments").count().execute() == 3


def test_command_line_prints_rows_and_fails_cleanly(tmp_path):
    settings = practice(tmp_path)
    run = subprocess.run([sys.executable, "manage.py", "--config", str(settings.path), "sync"], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "legacy: synced 24 rows" in run.stdout
    assert "appointments" in run.stdout and "       6" in run.stdout
    db = Path(settings.source("legacy").url[len("sqlite:///"):])
    with sqlite3.connect(db) as con:
        con.execute("UPDATE tblClaim SET TotalChg = 'n/a' WHERE ClaimNo = 'C-2'")
    before = warehouse_checksum(warehouse_file(settings))
    run = subprocess.run([sys.executable, "manage.py", "--config", str(settings.path), "sync", "--source", "legacy"],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "table claims (from query), column total_charge (source TotalChg): 1 rows are not amounts of money" \
        in run.stderr
    assert warehouse_checksum(warehouse_file(settings)) == before
    assert sync_log.last_run(settings.database_url, "legacy").outcome == "failed"


# ---------------------------------------------------------------------------------------- bad inputs

BAD_INPUTS = {
    "missing table": dict(mapping=("from: tblAppt", "from: tblAppointments"),
                          expect=["table appointments: source table 'tblAppointments' not found"]),
    "missing column": dict(mapping=("      duration_minutes: Minutes\n", "      duration_minutes: ApptMinutes\n"),
                           expect=["table appointments (from tblAppt): source column(s) ApptMinutes not found"]),
    "missing column in expr (double quotes)": dict(
        mapping=("THEN ModifiedOn END", 'THEN \\"Modified\\" END'),
        expect=["table appointments, column cancelled_at", "Modified not found"]),
    "code outside values": dict(
        sql="UPDATE tblAppt SET StatusCd = 'X' WHERE ApptID IN (1001, 1002)",
        expect=["source 'legacy': 1 problem(s)",  # not also reported as a missing required value
                "table appointments (from tblAppt), column status (source StatusCd): 2 rows have a code not listed "
                "in 'values': 'X' (2 rows)"]),
    "duplicate keys": dict(
        sql="INSERT INTO tblPatient VALUES (101, 'Jon', 'Parks', '1980-11-30', NULL)",
        expect=["table patients (from tblPatient), column patient_id (source PatID): 2 rows share a key",
                "'101'"]),
    "text in a money column": dict(
        sql="UPDATE tblClaimLine SET Chg = '$100.00' WHERE LineID = 2",
        expect=["table claim_lines (from tblClaimLine), column charge_amount (source Chg): 1 rows are not amounts "
                "of money, e.g. '$100.00'"]),
    "broken date": dict(
        sql="UPDATE tblPatient SET DOB = '1980-02-30' WHERE PatID = 101",
        expect=["table patients (from tblPatient), column birth_date (source DOB): 1 rows are not dates in the form "
                "YYYY-MM-DD, e.g. '1980-02-30'"]),
    "empty table": dict(
        sql="DELETE FROM tblAppt",
        expect=["table appointments (from tblAppt): the source table is empty, but the warehouse holds 6 rows"]),
    "dangling reference": dict(
        sql="INSERT INTO tblClaimLine VALUES (5, 'C-9', '2026-01-07', '97110', 1, 40.0)",
        expect=["table claim_lines (from tblClaimLine), column claim_id (source ClaimNo): 1 rows refer to claims "
                "that do not exist in this source", "'C-9'"]),
    "non-SELECT query": dict(
        mapping=('query: "SELECT c.ClaimNo', 'query: "DELETE FROM tblClaim; SELECT c.ClaimNo'),
        expect=["table claims: 'query' must be a single read-only SELECT"]),
    "unreachable database": dict(
        url="postgresql+psycopg://dashboard@127.0.0.1:9/pms",
        expect=["cannot connect to the source database postgresql+psycopg://dashboard@127.0.0.1:9/pms"]),
    "missing SQLite file": dict(url="sqlite:////nonexistent/folder/pms.db",
                                expect=["file /nonexistent/folder/pms.db not found"]),
    "required value missing": dict(
        sql="UPDATE tblPatient SET LName = NULL WHERE PatID = 102",
        expect=["table patients (from tblPatient), column last_name (source LName): 1 rows have no value"]),
}


@pytest.fixture(scope="module")
def synced_once(tmp_path_factory):
    """One good sync, kept as a template: each bad input starts from a copy of it."""
    base = tmp_path_factory.mktemp("good")
    settings = practice(base)
    assert sync_one(settings, "legacy").outcome == "success"
    return base / "practice"


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_named_and_leaves_the_warehouse_unchanged(case, synced_once, tmp_path):
    import shutil

    spec = BAD_INPUTS[case]
    directory = tmp_path / "practice"
    shutil.copytree(synced_once, directory)
    for path in directory.glob("*.toml"):
        path.write_text(path.read_text().replace(str(synced_once), str(directory)))
    settings = load_settings(directory / "config.toml")
    before = warehouse_checksum(warehouse_file(settings))
    if "mapping" in spec:
        old, new = spec["mapping"]
        text = (directory / "legacy.yaml").read_text()
        assert old in text
        (directory / "legacy.yaml").write_text(text.replace(old, new))
    if "sql" in spec:
        with sqlite3.connect(directory / "legacy_pms.db") as con:
            con.executescript(spec["sql"])
    if "url" in spec:
        config = directory / "config.toml"
        config.write_text(config.read_text().replace(f"sqlite:///{directory}/legacy_pms.db", spec["url"]))
        settings = load_settings(config)
    view = sync_one(settings, "legacy")
    assert view.outcome == "failed"
    for expected in spec["expect"]:
        assert expected in view.error, view.error
    assert warehouse_checksum(warehouse_file(settings)) == before
    assert stale_temp_files(warehouse_file(settings)) == []
    assert sync_log.latest_success(settings.database_url, "legacy").id < view.id


def test_several_problems_are_all_reported(tmp_path):
    rows = {"tblClaimLine": [*ROWS["tblClaimLine"], (5, "C-9", "2026-01-07", "97110", 1, "forty")],
            "tblPatient": [*ROWS["tblPatient"], (104, "Mo", "Diaz", "31/12/1999", None)]}
    settings = practice(tmp_path, rows=rows)
    view = sync_one(settings, "legacy")
    assert view.outcome == "failed"
    assert "source 'legacy': 3 problem(s)" in view.error
    assert "'forty'" in view.error and "'31/12/1999'" in view.error and "'C-9'" in view.error
    assert sync_log.data_version(settings.database_url) == 0


def test_second_sync_of_a_source_is_refused_while_one_runs(tmp_path):
    settings = practice(tmp_path)
    with source_lock(settings.warehouse_url, settings.data_dir, "legacy"), \
            pytest.raises(SyncBusy, match="a sync of source 'legacy' is already running"):
        sync_one(settings, "legacy")
    assert sync_one(settings, "legacy").outcome == "success"


# ---------------------------------------------------------------------------------------- fault injection

KILLED_SYNC = """
import sys
from config.settings import load_settings
from jobs.sync import sync_one
sync_one(load_settings(sys.argv[1]), "legacy", actor="victim")
"""


def test_killed_sync_leaves_previous_snapshot(tmp_path):
    settings = practice(tmp_path)
    assert sync_one(settings, "legacy").outcome == "success"
    live = warehouse_file(settings)
    before = warehouse_checksum(live)
    db = Path(settings.source("legacy").url[len("sqlite:///"):])
    with sqlite3.connect(db) as con:  # a big table so the sync is still writing when it is killed
        con.executemany("INSERT INTO tblAppt VALUES (?, 100, 10, 1, '2026-02-02 09:00:00', 45, 'TX', 'A', "
                        "'2026-01-01 09:00:00', NULL)", [(i,) for i in range(2000, 202000)])
    env = {**os.environ, "SYNC_CHUNK_ROWS": "1000", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SYNC, str(settings.path)], cwd=REPO, env=env)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            run = sync_log.last_run(settings.database_url, "legacy")
            if run.triggered_by == "victim" and "appointments:" in (run.stage or ""):
                break
            assert proc.poll() is None, "the sync ended before it could be killed"
            time.sleep(0.05)
        assert stale_temp_files(live), "the next snapshot should be half written"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert warehouse_checksum(live) == before
    with reading(settings.warehouse_url) as con:
        assert con.table("appointments").count().execute() == 6
    assert sync_log.last_run(settings.database_url, "legacy").outcome == "running"
    # the next sync notes the interrupted run, clears the half-written file and loads everything
    view = sync_one(settings, "legacy")
    assert view.outcome == "success" and view.rows["appointments"] == 200_006
    killed = sync_log.history(settings.database_url, "legacy").iloc[1]
    assert killed.outcome == "failed" and "stopped before it finished" in killed.error
    assert stale_temp_files(live) == []


def test_run_left_running_by_a_dead_process_is_reaped(tmp_path):
    from jobs.sync import reap_interrupted

    settings = practice(tmp_path)
    run_id = sync_log.start(settings.database_url, "legacy", "victim")  # its process "died" here
    with source_lock(settings.warehouse_url, settings.data_dir, "legacy"):
        assert reap_interrupted(settings) == 0  # the lock is held: that sync is alive
    assert reap_interrupted(settings) == 1
    run = sync_log.get(settings.database_url, run_id)
    assert run.outcome == "failed" and run.error == sync_log.INTERRUPTED


def _truncate_last_row(folder: Path) -> None:
    path = folder / "appts.csv"
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b";S;") + 2])


def _recode_cp1252(folder: Path) -> None:
    path = folder / "patients.csv"
    text = path.read_text(encoding="utf-8-sig").replace("Ida;Moss", "Zoë;Moss")
    path.write_bytes(text.encode("cp1252"))


@pytest.mark.parametrize(("damage", "expected"), [
    (_truncate_last_row, "appts.csv (table appointments) looks truncated: line 7 has 8 of 10 fields"),
    (_recode_cp1252, "patients.csv (table patients) is not valid utf-8-sig text"),
])
def test_bad_csv_export_leaves_the_warehouse_unchanged(tmp_path, damage, expected):
    folder = make_csv_folder(tmp_path / "exports")
    mapping = write_mapping(tmp_path / "csv.yaml", csv_mapping())
    settings = load_settings(write_config(tmp_path / "practice", sources=sources_toml(str(folder), mapping,
                                                                                        kind="csv")))
    init_stores(settings)
    assert sync_one(settings, "legacy").outcome == "success"
    before = warehouse_checksum(warehouse_file(settings))
    damage(folder)
    view = sync_one(settings, "legacy")
    assert view.outcome == "failed" and expected in view.error, view.error
    assert warehouse_checksum(warehouse_file(settings)) == before
