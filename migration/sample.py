"""Spot-check samples: a stratified 10-15 % draw of the in-scope legacy records, reproducible by a seed.

Strata are (table, location, payer, active authorization). Each stratum gets its share of the
sample by the largest-remainder method, so the sample size is exactly round(fraction x population)
and every stratum is represented in proportion; ties and the records within a stratum are chosen by
a random generator seeded with the sample's seed, so the same seed on the same data draws the same
records.

Where a record has no location or payer of its own it borrows its patient's: a patient's location is
that of their latest legacy appointment, a patient's payer that of their latest primary coverage.

The sample doubles as the "test migration": the checks are run on a small warehouse holding only the
sampled records (and what they need), and the time taken is shown with a proportional estimate for
the full run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd
from ibis import _

from migration.checks import Checker, run_check
from migration.scope import KEYS, SCOPE_TABLES, Params, Scope

DEFAULT_FRACTION = 0.12
MIN_FRACTION, MAX_FRACTION = 0.10, 0.15


@dataclass
class DrawnSample:
    seed: int
    fraction: float
    population: int
    items: list[dict] = field(default_factory=list)
    check_seconds: float | None = None
    full_estimate_seconds: float | None = None


def _patient_context(scope: Scope) -> tuple[ibis.Table, ibis.Table, ibis.Table]:
    appts = scope.legacy("appointments")
    w = ibis.window(group_by=appts.patient_id, order_by=ibis.desc(appts.scheduled_start))
    loc = (appts.mutate(r=ibis.row_number().over(w)).filter(_.r == 0)
           .select(pl_patient="patient_id", p_location="location_id"))
    cov = scope.legacy("coverages").filter(_.priority == 1)
    w2 = ibis.window(group_by=cov.patient_id, order_by=[ibis.desc(cov.start_date), ibis.desc(cov.coverage_id)])
    pay = cov.mutate(r=ibis.row_number().over(w2)).filter(_.r == 0).select(pp_patient="patient_id",
                                                                            p_payer="payer_id")
    auth = scope.in_scope("authorizations").select(pa_patient="patient_id").distinct().mutate(p_auth=True)
    return loc, pay, auth


def population(con: ibis.BaseBackend, params: Params, scope: Scope | None = None) -> pd.DataFrame:
    """Every in-scope legacy record with its stratum: table, legacy_key, location, payer, active_authorization."""
    scope = scope or Scope(con, params)
    loc, pay, auth = _patient_context(scope)
    frames = []
    for table in SCOPE_TABLES:
        t = scope.in_scope(table)
        key = KEYS[table]
        cols = set(t.columns)
        base = t.select(legacy_key=t[key], patient=t.patient_id if "patient_id" in cols else ibis.null("string"),
                        own_location=t.location_id if "location_id" in cols else (
                            t[key] if table == "locations" else ibis.null("string")),
                        own_payer=t.payer_id if "payer_id" in cols else ibis.null("string"))
        if table == "patients":
            base = base.mutate(patient=base.legacy_key)
        base = scope.keep(base)  # a relation of its own, so the joins below never meet their own source
        loc, pay, auth = loc.view(), pay.view(), auth.view()  # distinct relations when a table meets itself
        j = (base.left_join(loc, base.patient == loc.pl_patient).left_join(pay, base.patient == pay.pp_patient)
             .left_join(auth, base.patient == auth.pa_patient))
        frame = j.select(legacy_key="legacy_key", location=j.own_location.fill_null(j.p_location),
                         payer=j.own_payer.fill_null(j.p_payer),
                         active_authorization=(j.p_auth.fill_null(False) | ibis.literal(table == "authorizations")),
                         ).to_pandas()
        frame.insert(0, "table", table)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def allocate(pop: pd.DataFrame, fraction: float, rng: np.random.Generator) -> pd.DataFrame:
    """Largest-remainder allocation over strata, then a seeded draw within each stratum."""
    strata_cols = ["table", "location", "payer", "active_authorization"]
    pop = pop.fillna({"location": "(none)", "payer": "(none)"}).sort_values(["table", "legacy_key"]).reset_index(drop=True)
    sizes = pop.groupby(strata_cols, sort=True, dropna=False).size().rename("n").reset_index()
    total = round(fraction * len(pop))
    quota = sizes["n"] * fraction
    sizes["take"] = np.floor(quota).astype(int)
    remainder = quota - sizes["take"]
    left = total - int(sizes["take"].sum())
    if left > 0:
        order = np.lexsort((rng.random(len(sizes)), -remainder.to_numpy()))
        sizes.loc[order[:left], "take"] += 1
    picked = []
    for (stratum, group), take in zip(pop.groupby(strata_cols, sort=True, dropna=False),
                                      sizes["take"], strict=True):
        del stratum
        if take:
            picked.append(group.iloc[np.sort(rng.choice(len(group), size=int(take), replace=False))])
    return pd.concat(picked, ignore_index=True) if picked else pop.iloc[0:0]


def _new_keys(checker: Checker, chosen: pd.DataFrame) -> dict[tuple[str, str], str]:
    out = {}
    for table in SCOPE_TABLES:
        keys = chosen.loc[chosen["table"] == table, "legacy_key"].tolist()
        if not keys:
            continue
        m = checker.matches(table)
        rows = m.filter(m.legacy_id.isin(keys)).select("legacy_id", KEYS[table]).to_pandas()
        out.update({(table, r["legacy_id"]): r[KEYS[table]] for r in rows.to_dict("records")})
    return out


def _sub_warehouse(con: ibis.BaseBackend, params: Params, chosen: pd.DataFrame) -> dict:
    """Frames per source holding the sampled records, their new twins, their claims' money, and every
    location, provider and payer."""
    keys = {t: chosen.loc[chosen["table"] == t, "legacy_key"].tolist() or ["-"] for t in SCOPE_TABLES}
    frames: dict[str, dict[str, pd.DataFrame]] = {}
    for source in (params.legacy, params.new):
        column = "claim_id" if source == params.legacy else "legacy_id"
        claims = con.table("claims").filter((_.source_system == source) & _[column].isin(keys["claims"]))
        frames[source] = {}
        for table in (*SCOPE_TABLES, "payments", "adjustments"):
            t = con.table(table).filter(_.source_system == source)
            if table in ("payments", "adjustments"):
                t = t.semi_join(claims.select("claim_id"), "claim_id")
            elif table not in ("locations", "providers", "payers"):
                t = t.filter(t[KEYS[table] if source == params.legacy else "legacy_id"].isin(keys[table]))
            frames[source][table] = t.drop("source_system").to_pandas()
    return frames


def time_test_migration(con: ibis.BaseBackend, params: Params, chosen: pd.DataFrame) -> float:
    """Seconds the checks take on a small in-memory warehouse holding only the sampled records."""
    from warehouse.store import create_schema, replace_source_rows

    frames = _sub_warehouse(con, params, chosen)
    mem = ibis.duckdb.connect(":memory:")
    try:
        create_schema(mem)
        for source, tables in frames.items():
            replace_source_rows(mem, source, tables)
        started = time.perf_counter()
        run_check(mem, params)
        return time.perf_counter() - started
    finally:
        mem.disconnect()


def draw(con: ibis.BaseBackend, params: Params, seed: int, fraction: float = DEFAULT_FRACTION,
         time_it: bool = True) -> DrawnSample:
    """Draw the sample (and time the test migration on it)."""
    if not MIN_FRACTION <= fraction <= MAX_FRACTION:
        raise ValueError(f"sample fraction must be between 10 % and 15 %, not {fraction:.0%}")
    checker = Checker(con, params)
    try:
        pop = population(con, params, checker.scope)
        chosen = allocate(pop, fraction, np.random.default_rng(seed))
        new_keys = _new_keys(checker, chosen)
    finally:
        checker.scope.release()
    items = [{"table": r["table"], "legacy_key": r["legacy_key"], "new_key": new_keys.get((r["table"], r["legacy_key"])),
              "location": r["location"], "payer": r["payer"], "active_authorization": bool(r["active_authorization"])}
             for r in chosen.to_dict("records")]
    out = DrawnSample(seed=seed, fraction=fraction, population=len(pop), items=items)
    if time_it and items:
        out.check_seconds = time_test_migration(con, params, chosen)
        out.full_estimate_seconds = out.check_seconds * len(pop) / len(items)
    return out
