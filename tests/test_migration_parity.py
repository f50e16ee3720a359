"""The same findings and receipts from a PostgreSQL warehouse as from DuckDB (ibis pushes the checks down)."""

from __future__ import annotations

import pytest

from tests.test_migration_examples import AUTH_CASES, decoy_rows, run_off_rows, scope_edge_rows
from tests.test_migration_practice import GO_LIVE, build, new_appointment

pytestmark = pytest.mark.postgres


def rich_rows():
    """Several examples at once: scope edges, run-off claims, normalization decoys, duplicates, visits."""
    rows = run_off_rows()
    edges = scope_edge_rows()
    rows["legacy"]["appointments"] += edges["legacy"]["appointments"][1:]
    rows["legacy"]["claims"] += edges["legacy"]["claims"]
    rows["legacy"]["payments"] += edges["legacy"]["payments"]
    rows["legacy"]["adjustments"] += edges["legacy"]["adjustments"]
    decoys = decoy_rows()
    rows["new"]["patients"] = decoys["new"]["patients"]
    rows["new"]["patients"][0]["birth_date"] = "1985-07-10"
    rows["new"]["patients"].append({"patient_id": "12000", "first_name": "Junie", "last_name": "Hale",
                                    "birth_date": "1985-07-09", "phone": "(512) 555-0148"})
    base = {"discipline": "PT", "requested_at": "2026-03-01 09:00", "status": "approved",
            "start_date": "2026-03-11", "end_date": "2026-05-30"}
    (la, lu), (na, nu), visits, _ = AUTH_CASES["b"]
    rows["legacy"]["authorizations"].append({**base, "authorization_id": "AU1", "patient_id": "PA1",
                                             "payer_id": "ACME", "visits_authorized": la, "visits_used": lu})
    rows["new"]["authorizations"].append({**base, "authorization_id": "6601", "patient_id": "4401", "payer_id": "42",
                                          "visits_authorized": na, "visits_used": nu, "legacy_id": "AU1"})
    for i, (day, status, discipline) in enumerate(visits):
        rows["new"]["appointments"].append(new_appointment(f"81{i:02d}", f"2026-{day} 10:00", status, discipline))
    return rows


@pytest.mark.parametrize("run_off", [(), ("workers_comp",)])
def test_postgres_warehouse_gives_the_same_findings(tmp_path, postgres_schema, run_off):
    from migration.checks import run_check
    from migration.scope import Params
    from warehouse.store import copy_warehouse, postgres_connect

    params = Params(GO_LIVE, "legacy", "new", run_off)
    duck = build(tmp_path / "wh.duckdb", rich_rows())
    url, schema = postgres_schema
    pg = postgres_connect(url, schema)
    try:
        copy_warehouse(duck, pg)
        expected = run_check(duck, params)
        got = run_check(pg, params)
    finally:
        duck.disconnect()
        pg.disconnect()
    assert len(expected.findings) >= 8
    assert got.findings == expected.findings
    assert got.summary == expected.summary
