"""The large practice the benchmarks share: 100 locations, three years of history, 100 days after
go-live, generated once into a folder (reused while its files are there) and synced when the sync
job exists.

    from bench.practice import ensure_large_practice
    config = ensure_large_practice()          # Path of its config.toml
    config.legacy_path, config.new_path, config.go_live, config.params   # also available

Run by hand: ``nice python -m bench.practice [folder]``.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from seed_data.generator import PracticeParams, generate  # noqa: E402
from seed_data.writers import LEGACY_LAYOUT, NEW_LAYOUT  # noqa: E402

DEFAULT_DIR = Path("/tmp/bench-practice")
LOCATIONS = 100
SHARD_LOCATIONS = 10  # generated ten clinics at a time and merged, so memory stays near 3 GB
MONTHS = 36
PROVIDERS_PER_LOCATION = 6
SEED = 42
TODAY = dt.date(2026, 11, 1)  # fixed, so the practice is the same whenever it is generated


class LargePractice(type(Path())):
    """The config path, carrying the practice's parameters and database paths."""

    params: PracticeParams
    legacy_path: Path
    new_path: Path
    go_live: dt.date
    synced: bool


def large_params(directory: Path) -> PracticeParams:
    return PracticeParams(seed=SEED, locations=LOCATIONS, providers_per_location=PROVIDERS_PER_LOCATION,
                          months=MONTHS, today=TODAY, moment="after", legacy_path=directory / "legacy_pms.db",
                          new_path=directory / "new_pms.db").resolved()


MAPPINGS = REPO / "config" / "mappings"


def two_source_config(directory: Path, go_live: dt.date, legacy_url: str, new_url: str,
                      legacy_mapping: Path = MAPPINGS / "legacy_pms.yaml",
                      new_mapping: Path = MAPPINGS / "new_pms.yaml", practice_name: str | None = None) -> Path:
    """``directory/config.toml`` for a benchmark: app DB and warehouse in ``directory``, one legacy and
    one new SQL source, absolute paths (the style of tests.conftest.write_config). Every bench writes
    its config through this."""
    name = f'practice_name = "{practice_name}"\n' if practice_name else ""
    text = f'''[project]
go_live = {go_live.isoformat()}
{name}
[migration]
run_off_payer_classes = []

[app]
database_url = "sqlite:///{directory}/app.db"

[warehouse]
url = "duckdb:///{directory}/warehouse.duckdb"

[[sources]]
name = "legacy"
role = "legacy"
kind = "sql"
url = "{legacy_url}"
mapping = "{legacy_mapping}"

[[sources]]
name = "new"
role = "new"
kind = "sql"
url = "{new_url}"
mapping = "{new_mapping}"
'''
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.toml"
    path.write_text(text)
    return path


def write_config(directory: Path, params: PracticeParams) -> Path:
    return two_source_config(directory, params.go_live, f"sqlite:///{params.legacy_path}",
                             f"sqlite:///{params.new_path}",
                             practice_name=f"Benchmark Practice ({LOCATIONS} locations)")


def ensure_large_practice(directory: Path = DEFAULT_DIR, sync: bool = True, verbose: bool = True) -> LargePractice:
    """Generate (once) and sync (once) the 100-location practice; returns its config path."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    params = large_params(directory)
    generated = directory / "generated"
    if not (generated.exists() and params.legacy_path.exists() and params.new_path.exists()):
        start = time.perf_counter()
        generate_sharded(params, SHARD_LOCATIONS, verbose=verbose)
        generated.write_text(f"{time.perf_counter() - start:.1f} s\n")
        if verbose:
            print(f"generated the {LOCATIONS}-location practice in {generated.read_text().strip()}", flush=True)
    config = write_config(directory, params)
    synced_marker = directory / "synced"
    if sync and not synced_marker.exists():
        try:
            from jobs.sync import sync_all
        except ImportError:
            sync_all = None
        if sync_all is not None:
            from config.settings import load_settings
            from jobs.setup import init_stores

            settings = load_settings(config)
            init_stores(settings)
            start = time.perf_counter()
            sync_all(settings, actor="bench")
            synced_marker.write_text(f"{time.perf_counter() - start:.1f} s\n")
            if verbose:
                print(f"synced it in {synced_marker.read_text().strip()}", flush=True)
    result = LargePractice(config)
    result.params = params
    result.legacy_path = params.legacy_path
    result.new_path = params.new_path
    result.go_live = params.go_live
    result.synced = synced_marker.exists()
    return result


# ---------------------------------------------------------------------- sharded generation

LEGACY_STRIDE = 10_000_000   # every legacy integer key of one shard is below this
NEW_STRIDE = 100_000_000     # every new-system integer key of one shard is below this
SHARED = {"tblIns", "tblFeeSch", "insurance_carriers", "contracted_rates"}  # the same in every shard
KEY_COLUMNS = {"location_id", "provider_id", "patient_id", "coverage_id", "referral_id", "authorization_id",
               "appointment_id", "note_id", "claim_id", "claim_line_id", "remit_id", "payment_id", "adjustment_id",
               "rendering_provider_id"}


def _shard_select(layout: dict, table: str, shard: int, shard_locations: int, stride: int) -> str:
    """SELECT of one shard's table with its keys moved into the shard's own key range."""
    cols = next(columns for name, _, columns in layout.values() if name == table)
    exprs = []
    for col, sqltype, src, _ in cols:
        q = f'"{col}"'
        if src == "location_id" and sqltype == "TEXT" or (src == "legacy_id" and table == "clinics"):
            exprs.append(f"CASE WHEN {q} IS NULL THEN NULL ELSE 'L' || printf('%02d', "
                         f"CAST(substr({q}, 2) AS INTEGER) + {shard * shard_locations}) END")
        elif src in KEY_COLUMNS and sqltype == "INTEGER":
            exprs.append(f"{q} + {shard * stride}")
        elif src == "legacy_id" and table != "insurance_carriers":
            exprs.append(f"CAST(CAST({q} AS INTEGER) + {shard * LEGACY_STRIDE} AS TEXT)")
        else:
            exprs.append(q)
    return f'SELECT {", ".join(exprs)} FROM shard."{table}"'


def generate_sharded(params: PracticeParams, shard_locations: int, verbose: bool = True) -> None:
    """Generate ``params.locations`` clinics as shards of ``shard_locations`` and merge them into the
    two databases: each shard is a practice of its own (own seed, own patients), its integer keys
    moved into a range of its own and its clinic codes numbered on; payers and fee schedules are the
    practice's, written once. Deterministic like a single generation."""
    import shutil
    import sqlite3
    from dataclasses import replace

    shards = -(-params.locations // shard_locations)
    work = params.legacy_path.parent / "shards"
    work.mkdir(parents=True, exist_ok=True)
    for shard in range(shards):
        n = min(shard_locations, params.locations - shard * shard_locations)
        part = replace(params, seed=params.seed * 1000 + shard, locations=n,
                       legacy_path=work / f"legacy_{shard}.db", new_path=work / f"new_{shard}.db", manifest_path=None,
                       extra={"location_offset": shard * shard_locations})
        start = time.perf_counter()
        generate(part)
        if verbose:
            print(f"  shard {shard + 1}/{shards}: {n} clinics in {time.perf_counter() - start:.0f} s", flush=True)
    for target, prefix, layout, stride in ((params.legacy_path, "legacy", LEGACY_LAYOUT, LEGACY_STRIDE),
                                           (params.new_path, "new", NEW_LAYOUT, NEW_STRIDE)):
        tmp = target.with_name(target.name + ".tmp")
        shutil.copyfile(work / f"{prefix}_0.db", tmp)
        con = sqlite3.connect(tmp, isolation_level=None)
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        tables = [name for name, _, _ in layout.values() if name not in SHARED]
        for shard in range(1, shards):
            con.execute(f"ATTACH DATABASE '{work / f'{prefix}_{shard}.db'}' AS shard")
            con.execute("BEGIN")
            for table in tables:
                con.execute(f'INSERT INTO main."{table}" ' + _shard_select(layout, table, shard, shard_locations, stride))
            con.execute("COMMIT")
            con.execute("DETACH DATABASE shard")
        con.close()
        tmp.replace(target)
    shutil.rmtree(work)


if __name__ == "__main__":
    print(ensure_large_practice(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR))
