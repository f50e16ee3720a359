"""migration-check CLI, stored runs and their diff, spot-check samples, the pre-migration audit."""

from __future__ import annotations

import json

import pytest

from tests.conftest import write_config
from tests.test_migration_examples import balance_rows, scope_edge_rows
from tests.test_migration_practice import GO_LIVE, frames, payment


@pytest.fixture
def practice(tmp_path):
    from config.settings import load_settings
    from jobs.setup import init_stores

    settings = load_settings(write_config(tmp_path / "practice", go_live=GO_LIVE.isoformat()))
    init_stores(settings)
    return settings


def load(settings, rows):
    from warehouse.store import build_warehouse

    build_warehouse(settings.warehouse_url, frames(rows)).disconnect()


def cli(settings, capsys, *args):
    import manage

    code = manage.main(["--config", str(settings.path), "migration-check", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json_contract_and_stored_run(practice, capsys):
    from tracker import migration_runs

    load(practice, scope_edge_rows())
    code, out, _err = cli(practice, capsys, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"summary", "findings"}
    assert {(f["check"], f["table"], f["key"]) for f in doc["findings"]} == {
        ("missing_in_new", "appointments", "AP1"), ("missing_in_new", "appointments", "AP3"),
        ("missing_in_new", "appointments", "AP5"), ("missing_in_new", "claims", "CL1"),
        ("missing_in_new", "claims", "CL3")}
    for f in doc["findings"]:
        assert list(f) == ["check", "table", "system", "key", "field", "legacy", "new", "severity"]
    run = migration_runs.latest_run(practice.database_url)
    assert run.blockers == 2 and run.warnings == 3
    assert {f["key"] for f in run.blocker_findings} == {"CL1", "CL3"}
    assert str(run.ar_legacy) == "200.00" and str(run.ar_difference) == "200.00"

    code, out, _err = cli(practice, capsys)  # table format, exit 0 with findings
    assert code == 0
    assert "Open AR at cut-over: legacy 200.00 vs new 0.00, difference 200.00" in out
    assert "2 blocker(s), 3 warning(s)" in out


def test_cli_cannot_run_without_data(practice, capsys):
    code, _out, err = cli(practice, capsys, "--format", "json")
    assert code == 2
    assert "no rows of the legacy source 'legacy'" in err


def test_cli_cannot_run_without_a_new_source(tmp_path, capsys):
    from config.settings import load_settings

    sources = f'''
[[sources]]
name = "old"
role = "legacy"
kind = "sql"
url = "sqlite:///{tmp_path}/legacy.db"
mapping = "config/mappings/legacy_pms.yaml"
'''
    settings = load_settings(write_config(tmp_path / "p", sources=sources))
    code, _out, err = cli(settings, capsys)
    assert code == 2
    assert 'no new source' in err


def test_run_history_diff_new_resolved_persisting(practice):
    from auth.audit import Actor
    from migration.runner import run_and_store
    from tracker import migration_runs

    rows = balance_rows()
    rows["new"]["payments"].append(payment("NP2", "7004", "2026-03-31", "5.00"))
    rows["new"]["patients"][0]["sex"] = "M"
    load(practice, rows)
    first, _ = run_and_store(practice, Actor("tester"))
    rows = balance_rows()  # balance fixed, sex still wrong, a new extra record
    rows["new"]["patients"][0]["sex"] = "M"
    rows["new"]["patients"].append({"patient_id": "951", "first_name": "Lena", "last_name": "Cruz",
                                    "legacy_id": "PA99"})
    load(practice, rows)
    second, _ = run_and_store(practice, Actor("tester"))
    d = migration_runs.diff(practice.database_url, first, second)
    changes = {(r["change"], r["check"], r["key"]) for r in d.to_dict("records")}
    assert changes == {("resolved", "ar_balance_mismatch", "CL4"), ("persisting", "field_mismatch", "PA1"),
                       ("new", "extra_in_new", "951")}
    assert list(migration_runs.history(practice.database_url)["run"]) == [second, first]


def test_spot_check_sample_is_stratified_reproducible_and_signed_off(practice):
    from auth.audit import Actor, events
    from migration.runner import params_for
    from migration.sample import draw
    from tracker import spot_checks
    from warehouse.store import reading

    rows = scope_edge_rows()
    for i in range(40):
        rows["legacy"]["appointments"].append({**rows["legacy"]["appointments"][0], "appointment_id": f"X{i}",
                                               "scheduled_start": f"2026-02-{1 + i % 28:02d} 10:00"})
    load(practice, rows)
    with reading(practice.warehouse_url) as con:
        a = draw(con, params_for(practice), seed=7)
        b = draw(con, params_for(practice), seed=7, time_it=False)
    assert [(i["table"], i["legacy_key"]) for i in a.items] == [(i["table"], i["legacy_key"]) for i in b.items]
    assert 0.10 <= len(a.items) / a.population <= 0.15
    assert a.population == 1 + 1 + 3 + 1 + 1 + 44 + 2  # locations, providers, payers, patient, coverage, appts, claims
    assert a.check_seconds > 0 and a.full_estimate_seconds >= a.check_seconds
    with pytest.raises(ValueError, match="between 10 % and 15 %"), reading(practice.warehouse_url) as con:
        draw(con, params_for(practice), seed=7, fraction=0.2)

    lead = Actor("lead", "implementation_lead")
    sample_id = spot_checks.create_sample(practice.database_url, a, lead)
    items = spot_checks.items(practice.database_url, sample_id)
    first = items.iloc[0]
    spot_checks.mark(practice.database_url, int(first["id"]), "verified", None, lead,
                     expected_version=int(first["version"]))
    with pytest.raises(spot_checks.ConcurrentEditError):
        spot_checks.mark(practice.database_url, int(first["id"]), "wrong", "phone differs", lead,
                         expected_version=int(first["version"]))
    with pytest.raises(ValueError, match="not reviewed yet"):
        spot_checks.sign_off(practice.database_url, sample_id, lead)
    for item in items.iloc[1:].to_dict("records"):
        spot_checks.mark(practice.database_url, int(item["id"]), "wrong", "address differs", lead)
    spot_checks.sign_off(practice.database_url, sample_id, lead, note="checked")
    state = spot_checks.sign_off_state(practice.database_url)
    assert (state.size, state.reviewed, state.wrong, state.signed_off, state.signed_off_by) == (
        len(items), len(items), len(items) - 1, True, "lead")
    logged = events(practice.database_url, username="lead")
    assert (logged["record type"] == "spot_check_item").sum() == len(items)
    assert (logged["record type"] == "spot_check_sample").sum() == 2  # created, signed off


def test_premigration_audit_counts_per_location(practice):
    from migration.audit import run_audit
    from tests.test_migration_practice import clean
    from warehouse.store import reading

    rows = clean()
    rows["legacy"]["patients"][0].update(phone=None, email=None)
    rows["legacy"]["coverages"][0]["verified_at"] = "2024-01-01 10:00"
    rows["legacy"]["patients"].append({**rows["legacy"]["patients"][0], "patient_id": "PA7", "first_name": "June"})
    load(practice, rows)
    with reading(practice.warehouse_url) as con:
        result = run_audit(con, GO_LIVE, "legacy")
    got = {(r["check"], r["key"], r["field"]) for r in result.findings.to_dict("records")}
    assert got == {("incomplete_record", "PA1", "phone"), ("duplicate_patient", "PA1|PA7", None),
                   ("outdated_coverage", "PA1", "verified_at")}
    assert result.by_location.to_dict("records") == [
        {"location": "Riverside", "incomplete_record": 1, "duplicate_patient": 1, "outdated_coverage": 1, "total": 3}]


def test_alembic_0005_downgrade_and_upgrade(practice):
    from sqlalchemy import inspect

    from tracker.db import downgrade, get_engine, upgrade

    downgrade(practice.database_url, "0004")
    assert "migration_runs" not in inspect(get_engine(practice.database_url)).get_table_names()
    upgrade(practice.database_url)
    names = set(inspect(get_engine(practice.database_url)).get_table_names())
    assert {"migration_runs", "migration_findings", "spot_check_samples", "spot_check_items"} <= names


def test_demo_seeder_before_go_live_draws_a_partly_reviewed_sample(practice):
    import datetime as dt

    from migration.demo import seed_demo
    from tests.test_migration_practice import clean
    from tracker import migration_runs, spot_checks

    rows = scope_edge_rows()
    rows["new"] = {t: [] for t in clean()["new"]}  # nothing migrated yet: the check cannot run
    for i in range(30):
        rows["legacy"]["appointments"].append({**rows["legacy"]["appointments"][0], "appointment_id": f"B{i}"})
    load(practice, rows)
    seed_demo(practice, "before", dt.date(2026, 3, 11))
    assert migration_runs.latest_run(practice.database_url) is None
    state = spot_checks.sign_off_state(practice.database_url)
    assert state is not None and not state.signed_off
    assert state.reviewed == state.size // 2 and state.size >= 4
