"""How long the demo practice takes to generate, and how big it is; the same for the 100-location,
three-year practice the other benchmarks use.

    nice python bench/generate_bench.py [--skip-large] [--locations N]

Prints seconds per phase, file sizes and rows per table. Run by hand, never in the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from seed_data.generator import PracticeParams, build, generate  # noqa: E402
from seed_data.writers import LEGACY_LAYOUT, NEW_FOREIGN_KEYS, NEW_LAYOUT, write_database  # noqa: E402


def _mb(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:,.1f} MB"


def phases(params: PracticeParams) -> dict[str, float]:
    """Seconds per phase of one generation (truth, split, defects+manifest, writing)."""
    from seed_data.defects import plant_defects
    from seed_data.expected import expected_findings
    from seed_data.practice import generate_truth
    from seed_data.styles import legacy_style, new_style
    from seed_data.systems import build_systems

    out = {}
    t = time.perf_counter()
    truth = generate_truth(params)
    out["simulate the practice"] = time.perf_counter() - t
    t = time.perf_counter()
    systems = build_systems(truth)
    legacy_style(systems.legacy, params.seed)
    new_style(systems.new)
    out["split into two systems"] = time.perf_counter() - t
    t = time.perf_counter()
    plant_defects(systems)
    out["plant defects"] = time.perf_counter() - t
    if params.manifest_path is not None:
        t = time.perf_counter()
        expected_findings(systems)
        out["expected findings"] = time.perf_counter() - t
    t = time.perf_counter()
    write_database(params.legacy_path, LEGACY_LAYOUT, systems.legacy)
    write_database(params.new_path, NEW_LAYOUT, systems.new, foreign_keys=NEW_FOREIGN_KEYS)
    out["write both databases"] = time.perf_counter() - t
    return out


def report(title: str, params: PracticeParams, with_manifest: bool) -> None:
    print(f"\n== {title}: {params.locations} locations x {params.providers_per_location} providers, "
          f"{params.months} months, moment {params.moment}")
    t, cpu = time.perf_counter(), time.process_time()
    result = generate(params)
    total, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"generate(): {total:.1f} s wall, {cpu:.1f} s CPU (legacy {_mb(result.legacy_path)}, "
          f"new {_mb(result.new_path)})")
    for name, rows in (("legacy", result.legacy_rows), ("new", result.new_rows)):
        print(f"  {name}: {sum(rows.values()):,} rows  " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    if with_manifest:
        print(f"  manifest: {len(result.manifest['findings'])} findings, {len(result.manifest['planted'])} planted defects")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--locations", type=int, default=100)
    args = ap.parse_args()
    today = dt.date(2026, 11, 1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for moment in ("after", "before"):
            params = PracticeParams(seed=42, locations=3, months=18, today=today, moment=moment,
                                    legacy_path=folder / f"legacy_{moment}.db", new_path=folder / f"new_{moment}.db",
                                    manifest_path=folder / f"manifest_{moment}.json").resolved()
            report(f"demo ({moment})", params, with_manifest=True)
        params = PracticeParams(seed=42, locations=3, months=18, today=today, legacy_path=folder / "l.db",
                                new_path=folder / "n.db", manifest_path=folder / "m.json").resolved()
        print("\n  demo phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases(params).items()))
        _ = build  # the same path as generate(), without files
    if not args.skip_large:
        from bench.practice import ensure_large_practice

        t = time.perf_counter()
        if args.locations == 100:
            practice = ensure_large_practice()
            print(f"\n== large practice ({practice.params.locations} locations, {practice.params.months} months): "
                  f"ready in {time.perf_counter() - t:.1f} s (generation {(practice.parent / 'generated').read_text().strip()})")
            print(f"  legacy {_mb(practice.legacy_path)}, new {_mb(practice.new_path)}; synced: {practice.synced}")
        else:
            with tempfile.TemporaryDirectory() as tmp:
                params = PracticeParams(seed=42, locations=args.locations, months=36, today=today,
                                        legacy_path=Path(tmp) / "l.db", new_path=Path(tmp) / "n.db").resolved()
                report("scaled practice", params, with_manifest=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
