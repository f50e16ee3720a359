"""The demo practice: every planted defect of the generator's manifest is found, and nothing else."""

from __future__ import annotations

import json

import pytest


def manifest_ids(settings) -> set[tuple]:
    path = settings.data_dir / "demo_manifest.json"
    if not path.exists():
        pytest.fail(f"the demo generator wrote no manifest at {path}")
    doc = json.loads(path.read_text())
    if isinstance(doc, list):
        entries = doc
    else:  # {"findings": [...]} or, per planted defect, {"planted": [{"findings": [...]}, ...]}
        entries = list(doc.get("findings") or [])
        if not entries:
            entries = [f for p in doc.get("planted", []) for f in p.get("findings", [])]
    return {(e["check"], e["table"], e["system"], e.get("key"), e.get("field"), e["severity"]) for e in entries}


def test_demo_manifest_round_trip(demo_settings):
    from migration.runner import check_settings

    result = check_settings(demo_settings)
    found = {(f["check"], f["table"], f["system"], f["key"], f["field"], f["severity"]) for f in result.findings}
    expected = manifest_ids(demo_settings)
    assert expected, "the demo manifest lists no planted defect"
    missed = sorted(expected - found, key=str)
    unexplained = sorted(found - expected, key=str)
    assert not missed, f"planted but not found: {missed[:20]}"
    assert not unexplained, f"found but not in the manifest: {unexplained[:20]}"


def test_demo_has_a_stored_run_and_a_signed_off_sample(demo_settings):
    from tracker import migration_runs, spot_checks

    run = migration_runs.latest_run(demo_settings.database_url)
    assert run is not None and run.summary["tables"]["patients"]["in_scope"] > 0
    state = spot_checks.sign_off_state(demo_settings.database_url)
    assert state is not None and state.signed_off and state.reviewed == state.size
    assert 0.10 <= state.size / state.population <= 0.15


def test_checks_beside_the_balances_give_what_one_connection_gives(demo_settings, monkeypatch):
    """On DuckDB the appointments' comparison and the duplicate patients run on a second connection
    while the claim balances are summed; run all on one connection, findings and receipts are the
    same, and the database's thread count is back to what it was."""
    from migration import checks
    from migration.runner import check_settings, params_for
    from warehouse.store import reading

    with reading(demo_settings.warehouse_url) as con:
        threads = con.raw_sql("SELECT current_setting('threads')").fetchone()[0]
        beside = checks.Beside.start(checks.Checker(con, params_for(demo_settings)))
        assert beside is not None and beside.con is not con
        beside.close()
        assert con.raw_sql("SELECT current_setting('threads')").fetchone()[0] == threads
    together = check_settings(demo_settings)
    monkeypatch.setattr(checks.Beside, "start", classmethod(lambda cls, checker: None))
    alone = check_settings(demo_settings)
    assert together.findings == alone.findings and together.findings
    assert together.summary == alone.summary
