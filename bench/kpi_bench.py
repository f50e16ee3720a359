"""KPI speed: the default ``kpis`` table (5 windows, totals and by location) against hand-written
DuckDB SQL (bench/kpi_reference.sql) and a straightforward pandas implementation, plus a warm rerun
of the Go-live review page.

    nice python bench/kpi_bench.py [--locations 100] [--config PATH] [--repeat 3] [--skip-page]

The practice: ``--config`` names an already synced one; otherwise bench/practice.py's
ensure_large_practice() (100 locations) when it exists, else one generated once with
seed_data.generator (seed 42) into data/bench/kpi-<locations>/ and synced there.

Goals (issue 5): ours within 1.5x of the hand-written SQL; at least 10x faster than pandas; a warm
page rerun under 0.5 s. The hand-written SQL's cells are compared with ours (they must agree).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

WINDOWS = ("baseline", "day30", "day60", "day90", "trailing30")
THREADS: int | None = None  # --threads: DuckDB threads for ours and the SQL alike (default: one per core)
PANDAS_KPIS = ("charge_lag_days", "net_collection_rate", "no_show_rate", "days_in_ar")


# ---------------------------------------------------------------------------- the practice


def practice_config(locations: int, config: str | None) -> Path:
    if config:
        return Path(config)
    try:
        from bench.practice import ensure_large_practice
    except ImportError:
        ensure_large_practice = None
    folder = REPO / "data" / "bench" / f"kpi-{locations}"
    path = folder / "config.toml"
    if path.exists() and (folder / "synced").exists():
        return path
    if ensure_large_practice is not None and locations == 100:
        r = ensure_large_practice()
        get = (lambda k: r[k]) if isinstance(r, dict) else (lambda k: getattr(r, k))
        legacy, new = Path(get("legacy_path")), Path(get("new_path"))
        go_live = get("go_live") if (isinstance(r, dict) and "go_live" in r) or hasattr(r, "go_live") else None
    else:
        from seed_data.generator import PracticeParams, generate

        folder.mkdir(parents=True, exist_ok=True)
        legacy, new = folder / "legacy_pms.db", folder / "new_pms.db"
        result = generate(PracticeParams(seed=42, locations=locations, today=dt.date(2026, 6, 1),
                                         legacy_path=legacy, new_path=new))
        go_live = result.params.go_live
    from bench.practice import two_source_config

    path = two_source_config(folder, go_live or dt.date(2026, 2, 20), f"sqlite:///{legacy}", f"sqlite:///{new}")
    from config.settings import load_settings
    from jobs.setup import init_stores
    from jobs.sync import sync_all

    settings = load_settings(path)
    init_stores(settings)
    for view in sync_all(settings, actor="bench"):
        if view.outcome != "success":
            raise SystemExit(f"sync of {view.source} failed: {view.error}")
    (folder / "synced").write_text("ok\n")
    return path


# ---------------------------------------------------------------------------- the three implementations


def ours(settings, as_of: dt.date, kpi_ids=None) -> list:
    from metrics.kpis import compute_cells
    from metrics.windows import resolve_all
    from warehouse.store import reading

    with reading(settings.warehouse_url) as con:
        if THREADS:
            con.raw_sql(f"SET threads = {THREADS}")
        return compute_cells(con, settings, as_of, resolve_all(list(WINDOWS), settings.go_live, as_of), ["location"],
                             kpi_ids=kpi_ids)


def reference_sql(settings, as_of: dt.date):
    """Run bench/kpi_reference.sql on a read-only DuckDB connection; returns its result frame."""
    import duckdb

    from config.settings import duckdb_path
    from metrics.windows import resolve_all

    wins = resolve_all(list(WINDOWS), settings.go_live, as_of)
    values = ", ".join(f"('{w.name}', DATE '{w.start}', DATE '{w.end}', DATE '{w.pit_day(as_of)}')"
                       for w in wins if not w.starts_after(as_of))
    text = (REPO / "bench" / "kpi_reference.sql").read_text()
    for key, value in {"legacy": settings.legacy_source.name, "new": settings.new_source.name,
                       "go_live": settings.go_live.isoformat(), "as_of": as_of.isoformat(), "windows": values}.items():
        text = text.replace("{" + key + "}", value)
    statements = [s.strip() for s in text.split(";;") if s.strip() and not s.strip().startswith("--") or
                  any(line and not line.startswith("--") for line in s.strip().splitlines())]
    con = duckdb.connect(str(duckdb_path(settings.warehouse_url)), read_only=True)
    if THREADS:
        con.execute(f"SET threads = {THREADS}")
    try:
        for statement in statements[:-1]:
            con.execute(statement)
        return con.execute(statements[-1]).df()
    finally:
        con.close()


def pandas_kpis(settings, as_of: dt.date):
    """The straightforward way: read the tables into pandas, build the unified rows with merges, then
    loop over windows (and locations) filtering frames. Only PANDAS_KPIS (a representative subset)."""
    import pandas as pd

    from warehouse.store import reading

    legacy, new, go_live = settings.legacy_source.name, settings.new_source.name, pd.Timestamp(settings.go_live)
    end_of = pd.Timestamp(as_of)
    with reading(settings.warehouse_url) as con:
        raw = {t: con.table(t).to_pandas() for t in ("claims", "payments", "adjustments", "appointments", "locations")}

    def identity(frame, key):
        is_new = frame.source_system == new
        out = legacy + ":" + frame[key].astype(str)
        twin = is_new & frame.legacy_id.notna()
        out[twin] = legacy + ":" + frame.loc[twin, "legacy_id"]
        out[is_new & ~twin] = new + ":" + frame.loc[is_new & ~twin, key]
        return out

    def translate(frame, col, ref_frame, ref_key):
        m = ref_frame[ref_frame.source_system == new]
        lookup = dict(zip(m[ref_key], identity(m, ref_key), strict=True))
        is_new = frame.source_system == new
        return frame[col].where(~is_new, frame[col].map(lambda k: lookup.get(k, f"{new}:{k}")))\
            .where(is_new, legacy + ":" + frame[col].astype(str))

    def keep(frame, date_col, key, runoff=None):
        f = frame.copy()
        f["id"] = identity(f, key)
        d = pd.to_datetime(f[date_col]).dt.normalize()
        legacy_ok = (f.source_system == legacy) & ((d < go_live) | (runoff if runoff is not None else False))
        new_ok = (f.source_system == new) & (d >= go_live)
        f = f[(legacy_ok | new_ok) & (d <= end_of)]
        legacy_ids = set(f.loc[f.source_system == legacy, "id"])
        return f[(f.source_system == legacy) | ~f["id"].isin(legacy_ids)]

    claims = raw["claims"]
    claims = claims.assign(location_id=translate(claims, "location_id", raw["locations"], "location_id"))
    kc = keep(claims, "created_at", "claim_id")
    twins = set(claims.loc[(claims.source_system == new) & claims.legacy_id.notna(), "legacy_id"])
    lone = set(claims.loc[(claims.source_system == legacy) & ~claims.claim_id.isin(twins), "claim_id"])
    money = {}
    for t, date_col, key in (("payments", "payment_date", "payment_id"), ("adjustments", "adjustment_date", "adjustment_id")):
        f = raw[t].assign(claim_id=translate(raw[t], "claim_id", claims, "claim_id"))
        runoff = (raw[t].source_system == legacy) & raw[t].claim_id.isin(lone)
        money[t] = keep(f, date_col, key, runoff=runoff)
    appts = raw["appointments"]
    appts = appts.assign(location_id=translate(appts, "location_id", raw["locations"], "location_id"))
    ka = keep(appts, "scheduled_start", "appointment_id")

    from metrics.windows import resolve_all

    rows = []
    for w in resolve_all(list(WINDOWS), settings.go_live, as_of):
        if w.starts_after(as_of):
            continue
        start, stop, day = pd.Timestamp(w.start), pd.Timestamp(w.end), pd.Timestamp(w.pit_day(as_of))
        for loc in [None, *sorted(kc.location_id.dropna().unique())]:
            c = kc if loc is None else kc[kc.location_id == loc]
            a = ka if loc is None else ka[ka.location_id == loc]
            sdf = pd.to_datetime(c.service_date_from)
            inw = c[(sdf >= start) & (sdf < stop)]
            lag = (pd.to_datetime(inw.created_at).dt.normalize() - pd.to_datetime(inw.service_date_from)).dt.days
            rows.append(("charge_lag_days", w.name, loc, lag.sum(), len(lag)))
            paid = money["payments"][money["payments"].claim_id.isin(set(inw.id))].amount.astype(float).sum()
            adj = money["adjustments"]
            contractual = adj[adj.claim_id.isin(set(inw.id)) & (adj.group_code == "CO")
                              & adj.reason_code.isin(["45", "59", "253"])].amount.astype(float).sum()
            rows.append(("net_collection_rate", w.name, loc, paid, inw.total_charge.astype(float).sum() - contractual))
            ad = pd.to_datetime(a.scheduled_start).dt.normalize()
            aw = a[(ad >= start) & (ad < stop) & a.status.isin(["completed", "no_show", "late_cancel", "cancelled"])]
            rows.append(("no_show_rate", w.name, loc, (aw.status == "no_show").sum(), len(aw)))
            posted = c[pd.to_datetime(c.created_at).dt.normalize() <= day]
            p = money["payments"][pd.to_datetime(money["payments"].payment_date) <= day]
            j = money["adjustments"][(pd.to_datetime(money["adjustments"].adjustment_date) <= day)
                                     & (money["adjustments"].group_code != "PR")]
            bal = (posted.set_index("id").total_charge.astype(float)
                   - p.groupby("claim_id").amount.sum().astype(float).reindex(posted.id).fillna(0).values
                   - j.groupby("claim_id").amount.sum().astype(float).reindex(posted.id).fillna(0).values)
            created = pd.to_datetime(posted.created_at).dt.normalize()
            recent = posted[(created >= day - pd.Timedelta(days=89))].total_charge.astype(float).sum() / 90
            rows.append(("days_in_ar", w.name, loc, bal.clip(lower=0).sum(), recent))
    return pd.DataFrame(rows, columns=["kpi", "window", "location", "num", "den"])


def pandas_grouped_kpis(settings, as_of: dt.date):
    """The same four KPIs the way an analyst would write them in pandas at scale: the needed columns
    read once, the unified rows built with merges, then per window one filter and one ``groupby``
    per location (no loop over locations). Used at 100 locations, where ``pandas_kpis``'s loop over
    every location would take hours."""
    import numpy as np
    import pandas as pd

    from metrics.windows import resolve_all
    from warehouse.store import reading

    legacy, new, go_live = settings.legacy_source.name, settings.new_source.name, pd.Timestamp(settings.go_live)
    end_of = pd.Timestamp(as_of)
    columns = {
        "claims": ["source_system", "claim_id", "legacy_id", "location_id", "service_date_from", "created_at",
                   "total_charge"],
        "payments": ["source_system", "payment_id", "legacy_id", "claim_id", "payment_date", "amount"],
        "adjustments": ["source_system", "adjustment_id", "legacy_id", "claim_id", "adjustment_date", "amount",
                        "group_code", "reason_code"],
        "appointments": ["source_system", "appointment_id", "legacy_id", "location_id", "scheduled_start", "status"],
        "locations": ["source_system", "location_id", "legacy_id"],
    }
    with reading(settings.warehouse_url) as con:
        raw = {t: con.table(t).select(*cols).to_pandas() for t, cols in columns.items()}

    def identity(frame, key):
        out = legacy + ":" + frame[key].astype(str)
        is_new = frame.source_system == new
        twin = is_new & frame.legacy_id.notna()
        out[twin] = legacy + ":" + frame.loc[twin, "legacy_id"].astype(str)
        out[is_new & ~twin] = new + ":" + frame.loc[is_new & ~twin, key].astype(str)
        return out

    def translate(frame, col, ref_frame, ref_key):
        m = ref_frame[ref_frame.source_system == new]
        lookup = pd.Series(identity(m, ref_key).values, index=m[ref_key].values)
        is_new = frame.source_system == new
        mapped = frame[col].map(lookup).fillna(new + ":" + frame[col].astype(str))
        return mapped.where(is_new, legacy + ":" + frame[col].astype(str))

    def keep(frame, date_col, key, runoff=None):
        f = frame.assign(id=identity(frame, key))
        d = pd.to_datetime(f[date_col]).dt.normalize()
        legacy_ok = (f.source_system == legacy) & ((d < go_live) | (runoff if runoff is not None else False))
        new_ok = (f.source_system == new) & (d >= go_live)
        f = f[(legacy_ok | new_ok) & (d <= end_of)]
        legacy_ids = f.loc[f.source_system == legacy, "id"]
        return f[(f.source_system == legacy) | ~f["id"].isin(legacy_ids)]

    claims = raw["claims"]
    claims = claims.assign(location_id=translate(claims, "location_id", raw["locations"], "location_id"),
                           total_charge=claims.total_charge.astype(float))
    kc = keep(claims, "created_at", "claim_id")
    kc = kc.assign(created_day=pd.to_datetime(kc.created_at).dt.normalize(),
                   service=pd.to_datetime(kc.service_date_from))
    twins = claims.loc[(claims.source_system == new) & claims.legacy_id.notna(), "legacy_id"]
    lone = claims.loc[(claims.source_system == legacy) & ~claims.claim_id.isin(twins), "claim_id"]
    money = {}
    for t, date_col, key in (("payments", "payment_date", "payment_id"),
                             ("adjustments", "adjustment_date", "adjustment_id")):
        f = raw[t].assign(claim_id=translate(raw[t], "claim_id", claims, "claim_id"),
                          amount=raw[t].amount.astype(float))
        runoff = (raw[t].source_system == legacy) & raw[t].claim_id.isin(lone)
        money[t] = keep(f, date_col, key, runoff=runoff)
        money[t] = money[t].assign(day=pd.to_datetime(money[t][date_col]))
    pay, adj = money["payments"], money["adjustments"]
    appts = raw["appointments"]
    appts = appts.assign(location_id=translate(appts, "location_id", raw["locations"], "location_id"))
    ka = keep(appts, "scheduled_start", "appointment_id")
    ka = ka.assign(day=pd.to_datetime(ka.scheduled_start).dt.normalize())
    paid_by_claim = pay.groupby("claim_id").amount.sum()
    contractual = adj[(adj.group_code == "CO") & adj.reason_code.isin(["45", "59", "253"])]
    contractual_by_claim = contractual.groupby("claim_id").amount.sum()

    def per_location(frame, num, den):
        """Total row and one row per location of two summed series."""
        parts = pd.DataFrame({"location": frame.location_id.values, "num": np.asarray(num, dtype=float),
                              "den": np.asarray(den, dtype=float)})
        by = parts.groupby("location", dropna=False)[["num", "den"]].sum(min_count=1).reset_index()
        total = pd.DataFrame({"location": [None], "num": [parts.num.sum(min_count=1)],
                              "den": [parts.den.sum(min_count=1)]})
        return pd.concat([total, by], ignore_index=True)

    out = []
    for w in resolve_all(list(WINDOWS), settings.go_live, as_of):
        if w.starts_after(as_of):
            continue
        start, stop, day = pd.Timestamp(w.start), pd.Timestamp(w.end), pd.Timestamp(w.pit_day(as_of))
        inw = kc[(kc.service >= start) & (kc.service < stop)]
        lag = (inw.created_day - inw.service).dt.days
        out.append(per_location(inw, lag, np.ones(len(inw))).assign(kpi="charge_lag_days", window=w.name))
        paid = inw.id.map(paid_by_claim).fillna(0)
        contr = inw.id.map(contractual_by_claim).fillna(0)
        out.append(per_location(inw, paid, inw.total_charge - contr).assign(kpi="net_collection_rate",
                                                                              window=w.name))
        aw = ka[(ka.day >= start) & (ka.day < stop) & ka.status.isin(["completed", "no_show", "late_cancel",
                                                                       "cancelled"])]
        out.append(per_location(aw, aw.status == "no_show", np.ones(len(aw))).assign(kpi="no_show_rate",
                                                                                     window=w.name))
        posted = kc[kc.created_day <= day]
        p = pay[pay.day <= day].groupby("claim_id").amount.sum()
        j = adj[(adj.day <= day) & (adj.group_code != "PR")].groupby("claim_id").amount.sum()
        bal = posted.total_charge - posted.id.map(p).fillna(0) - posted.id.map(j).fillna(0)
        recent = posted.total_charge.where(posted.created_day >= day - pd.Timedelta(days=89), 0) / 90
        out.append(per_location(posted, bal.clip(lower=0), recent).assign(kpi="days_in_ar", window=w.name))
    return pd.concat(out, ignore_index=True)


def page_rerun(config: Path) -> float:
    """Warm rerun of the Go-live review page (AppTest, owner): the second run's wall time."""
    import os

    from sqlalchemy import select
    from streamlit.testing.v1 import AppTest

    from auth.models import User
    from auth.users import SignedInUser, seed_demo
    from config.settings import load_settings
    from tracker.db import session_scope

    os.environ["APP_CONFIG"] = str(config)
    settings = load_settings(config)
    with session_scope(settings.database_url) as s:
        u = s.scalar(select(User).where(User.role == "owner"))
    if u is None:
        seed_demo(settings, "after", dt.date.today())
        with session_scope(settings.database_url) as s:
            u = s.scalar(select(User).where(User.role == "owner"))
    user = SignedInUser(u.id, u.username, u.role, u.display_name)
    at = AppTest.from_file(str(REPO / "app_pages" / "golive_review.py"), default_timeout=1800)
    at.session_state["user"] = user
    at.session_state["last_activity"] = dt.datetime.now()
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"page failed: {at.exception[0].value}")
    times = []
    for _ in range(3):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    print(f"page first render (AppTest)    {first:8.2f} s")
    return min(times)


# ---------------------------------------------------------------------------- main


def _timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _compare(cells, frame) -> int:
    """Cells of ours that disagree with the hand-written SQL (totals and by location)."""
    import math

    ref = {(r.kpi, r.window, r.location): (r.num, r.den) for r in frame.itertuples()}
    bad = 0
    for c in cells:
        loc = c.by.get("location") if c.by else None
        key = (c.kpi, c.window, loc)
        if key not in ref or c.value is None:
            continue
        num, den = ref[key]
        value = num if c.kpi == "legacy_ar" else (None if not den else (num or 0) / den)
        if value is None or not math.isclose(value, c.value, rel_tol=1e-9, abs_tol=1e-6):
            bad += 1
            if bad <= 5:
                print("  differs:", key, c.value, value)
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=100)
    parser.add_argument("--config")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of")
    parser.add_argument("--skip-page", action="store_true")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--threads", type=int, help="DuckDB threads for ours and the SQL (to compare on a busy "
                        "machine with one core each)")
    parser.add_argument("--pandas", choices=("loop", "grouped"), default="grouped",
                        help="the pandas reference: one loop per location (fine at 10 locations, hours at 100) "
                             "or one groupby per window (default)")
    args = parser.parse_args()
    global THREADS
    THREADS = args.threads

    from config.settings import load_settings
    from warehouse.store import reading

    config = practice_config(args.locations, args.config)
    settings = load_settings(config)
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else dt.date.today()
    with reading(settings.warehouse_url) as con:
        sizes = {t: con.table(t).count().execute() for t in ("claims", "appointments", "notes", "payments",
                                                               "adjustments", "remits")}
    print(f"practice {config}  go-live {settings.go_live}  as of {as_of}")
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))

    t_ours, cells = _timed(lambda: ours(settings, as_of), args.repeat)
    t_sql, frame = _timed(lambda: reference_sql(settings, as_of), args.repeat)
    print(f"ours (ibis, all KPIs)          {t_ours:8.2f} s   ({len(cells)} cells)")
    print(f"hand-written DuckDB SQL        {t_sql:8.2f} s   ratio ours/sql = {t_ours / t_sql:.2f} (goal <= 1.5)")
    print(f"cells differing from the SQL:  {_compare(cells, frame)}")
    if not args.skip_pandas:
        t_sub, sub_cells = _timed(lambda: ours(settings, as_of, list(PANDAS_KPIS)), args.repeat)
        reference = pandas_kpis if args.pandas == "loop" else pandas_grouped_kpis
        t_pd, pd_frame = _timed(lambda: reference(settings, as_of), 1)
        print(f"ours, {len(PANDAS_KPIS)} KPIs                   {t_sub:8.2f} s")
        print(f"pandas ({args.pandas}), same {len(PANDAS_KPIS)} KPIs  {t_pd:8.2f} s   speed-up {t_pd / t_sub:.1f}x "
              "(goal >= 10)")
        print(f"cells differing from pandas:   {_compare(sub_cells, pd_frame)}")
    if not args.skip_page:
        print(f"page warm rerun (AppTest)      {page_rerun(config):8.2f} s   (goal < 0.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
