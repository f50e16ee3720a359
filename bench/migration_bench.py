"""Migration check speed on the 100-location practice, against datacompy on the same run.

    nice python bench/migration_bench.py [--locations 100] [--repeat 3] [--synthetic N]

1. The large practice's legacy and new PMS databases (bench/practice.py ensure_large_practice(), else
   generated here) are synced once into a DuckDB warehouse in bench/data/migration-<n>/.
2. ``ours``: the full migration check (every check and the receipts) over that warehouse.
3. ``datacompy``: the patients and appointments of both sources read from the same warehouse into
   pandas and compared by datacompy on the crosswalk (legacy key = new legacy_id), the usual
   field-by-field comparison a conversion team would run. Load + compare is timed.

Goal (issue 8): ours at least 5x faster than datacompy, and under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def practice_databases(locations: int) -> tuple[Path, Path, dt.date]:
    try:
        from bench.practice import ensure_large_practice
    except ImportError:
        ensure_large_practice = None
    if ensure_large_practice is not None and locations == 100:
        r = ensure_large_practice()
        get = (lambda k: r[k]) if isinstance(r, dict) else (lambda k: getattr(r, k))
        params = get("params") if (isinstance(r, dict) and "params" in r) or hasattr(r, "params") else None
        go_live = getattr(params, "go_live", None) if params is not None else None
        if go_live is None and (isinstance(r, dict) and "go_live" in r or hasattr(r, "go_live")):
            go_live = get("go_live")
        if go_live is not None:
            return Path(get("legacy_path")), Path(get("new_path")), go_live
    from seed_data.generator import PracticeParams, generate

    folder = REPO / "bench" / "data" / f"migration-pms-{locations}"
    folder.mkdir(parents=True, exist_ok=True)
    params = PracticeParams(seed=42, locations=locations, months=36, today=dt.date(2026, 6, 1),
                            legacy_path=folder / "legacy_pms.db", new_path=folder / "new_pms.db").resolved()
    if not (params.legacy_path.exists() and params.new_path.exists()):
        generate(params)
    return params.legacy_path, params.new_path, params.go_live


def warehouse_settings(locations: int):
    from config.settings import load_settings
    from jobs.setup import init_stores
    from jobs.sync import sync_all

    if locations == 100:
        try:
            from bench.practice import ensure_large_practice
        except ImportError:
            ensure_large_practice = None
        if ensure_large_practice is not None:  # its own config, generated and synced once
            return load_settings(ensure_large_practice())
    legacy, new, go_live = practice_databases(locations)
    from bench.practice import two_source_config

    folder = REPO / "bench" / "data" / f"migration-{locations}"
    config = two_source_config(folder, go_live, f"sqlite:///{legacy}", f"sqlite:///{new}")
    settings = load_settings(config)
    if not (folder / "synced").exists():
        init_stores(settings)
        sync_all(settings, actor="bench")
        (folder / "synced").write_text("ok\n")
    return settings


def time_ours(settings) -> tuple[float, dict]:
    import ibis.backends.duckdb  # noqa: F401 - loaded before the clock starts, as datacompy's import is

    from migration.runner import check_settings

    started = time.perf_counter()
    result = check_settings(settings)
    return time.perf_counter() - started, {"findings": len(result.findings),
                                           "in_scope": {t: c["in_scope"] for t, c in result.summary["tables"].items()}}


def time_datacompy(settings) -> tuple[float, dict]:
    import datacompy
    from ibis import _

    from warehouse.store import reading

    started = time.perf_counter()
    out = {}
    with reading(settings.warehouse_url) as con:
        for table, key in (("patients", "patient_id"), ("appointments", "appointment_id")):
            t = con.table(table)
            legacy = t.filter(_.source_system == "legacy").drop("source_system", "legacy_id").to_pandas()
            new = (t.filter((_.source_system == "new") & _.legacy_id.notnull()).drop("source_system", key)
                   .rename({key: "legacy_id"}).to_pandas())
            compare = datacompy.PandasCompare(legacy, new, join_columns=key, ignore_spaces=True, ignore_case=True)
            out[table] = {"rows_legacy": len(legacy), "rows_new": len(new),
                          "mismatched_rows": int(len(compare.all_mismatch())),
                          "only_legacy": int(len(compare.df1_unq_rows)), "only_new": int(len(compare.df2_unq_rows))}
    return time.perf_counter() - started, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=100)
    parser.add_argument("--synthetic", type=int, default=0,
                        help="instead of the generated practice: a synthetic warehouse with this many patients")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each side this many times, alternating, and compare the medians")
    args = parser.parse_args()
    if args.synthetic:
        from bench.migration_synthetic import synthetic_settings

        settings = synthetic_settings(args.synthetic)
    else:
        settings = warehouse_settings(args.locations)
    ours_runs, theirs_runs = [], []
    for _ in range(max(1, args.repeat)):
        seconds, ours_info = time_ours(settings)
        ours_runs.append(seconds)
        seconds, theirs_info = time_datacompy(settings)
        theirs_runs.append(seconds)
    ours, theirs = statistics.median(ours_runs), statistics.median(theirs_runs)
    print(json.dumps({"locations": args.locations, "ours_seconds": round(ours, 2),
                      "datacompy_seconds": round(theirs, 2), "speedup": round(theirs / ours, 2),
                      "ours_runs": [round(x, 2) for x in ours_runs], "datacompy_runs": [round(x, 2) for x in theirs_runs],
                      "load_average": [round(x, 1) for x in os.getloadavg()],
                      "ours": ours_info, "datacompy": theirs_info}, indent=2, default=str))


if __name__ == "__main__":
    main()
