"""What must migrate (MIGRATION_SPEC.md "What must migrate"), decided from legacy data only.

Every function returns an ibis expression over the warehouse; nothing is computed until a check asks.
The cut-over day C is the day before go-live; claim balances at C follow KPI_SPEC.md's claim-balance
rule (payments and non-PR adjustments dated up to C; a claim created after C is not posted at C).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
from ibis import _

SCOPE_TABLES = ("locations", "providers", "payers", "patients", "coverages", "authorizations", "appointments",
                "claims")
KEYS = {"locations": "location_id", "providers": "provider_id", "payers": "payer_id", "patients": "patient_id",
        "coverages": "coverage_id", "authorizations": "authorization_id", "appointments": "appointment_id",
        "claims": "claim_id"}


GROUPING_THREADS = 4  # see Scope.grouping_threads


def on_or_after(timestamp: ir.TimestampValue, day: dt.date) -> ir.BooleanValue:
    """The timestamp falls on ``day`` or later: compared with midnight rather than taking its date,
    so the database filters while it scans (no cast per row; whole blocks skipped by their range)."""
    return timestamp >= dt.datetime.combine(day, dt.time.min)


def on_or_before(timestamp: ir.TimestampValue, day: dt.date) -> ir.BooleanValue:
    """The timestamp falls on ``day`` or earlier (before the next midnight); see ``on_or_after``."""
    return timestamp < dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)


@dataclass(frozen=True)
class Params:
    """The inputs of one check: go-live, the two source names and the run-off payer classes."""

    go_live: dt.date
    legacy: str
    new: str
    run_off_payer_classes: tuple[str, ...] = ()

    @property
    def cutover(self) -> dt.date:
        return self.go_live - dt.timedelta(days=1)

    @property
    def all_run_off(self) -> bool:
        return "*" in self.run_off_payer_classes


class Scope:
    """The legacy records in scope, and the per-source tables, over one warehouse connection."""

    def __init__(self, con: ibis.BaseBackend, params: Params):
        self.con = con
        self.p = params
        self._cache: dict[str, ir.Table] = {}
        self._held: list[ir.Table] = []

    def keep(self, expr: ir.Table) -> ir.Table:
        """Compute once into a temporary table (a shallow name for later queries); dropped by ``release``.

        Temporary tables work on a read-only DuckDB file and on PostgreSQL alike.
        """
        name = f"_migration_{uuid.uuid4().hex[:16]}"
        kept = self.con.create_table(name, expr, temp=True)
        self._held.append(name)
        return kept

    def release(self) -> None:
        for name in self._held:
            result = self.con.raw_sql(f"DROP TABLE IF EXISTS {name}")
            # PostgreSQL hands back a cursor to close; DuckDB hands back its own connection: keep it open.
            if result is not None and result is not getattr(self.con, "con", None) and hasattr(result, "close"):
                result.close()
        self._held.clear()

    # ------------------------------------------------------------------ sources
    def rows(self, table: str, source: str) -> ir.Table:
        return self.con.table(table).filter(_.source_system == source)

    def legacy(self, table: str) -> ir.Table:
        return self.rows(table, self.p.legacy)

    def new(self, table: str) -> ir.Table:
        return self.rows(table, self.p.new)

    # ------------------------------------------------------------------ balances
    def open_balances(self) -> ir.Table:
        """The legacy claims open at C (posted, balance > 0), every claim column and ``balance``; kept
        once. Nothing reads the closed ones, and finding the open ones takes one pass
        over charges, payments and adjustments. The new side's balances: ``claim_balances``."""
        if "open_balances" not in self._cache:
            with self.grouping_threads():
                self._cache["open_balances"] = self.keep(self._open_balances(self.p.legacy))
        return self._cache["open_balances"]

    @contextlib.contextmanager
    def grouping_threads(self, at_least: int = GROUPING_THREADS) -> Iterator[None]:
        """DuckDB splits a grouping into partitions by its thread count. With two threads, the legacy
        claims' millions of groups make partitions too large for the processor's cache; four threads
        (on the same two cores) make smaller ones: 1.0 s instead of 1.7 s for the legacy balances at
        100 locations, 0.16 s instead of 0.24 s for the copies of the appointments' legacy_ids (joins
        gain nothing). Other backends, and machines with more threads already, are left alone."""
        threads = self.threads()
        if threads is None or threads >= at_least:
            yield
            return
        self.set_threads(at_least)
        try:
            yield
        finally:
            self.set_threads(threads)

    def threads(self) -> int | None:
        """DuckDB's thread count (shared by every connection to the database); None elsewhere."""
        if getattr(self.con, "name", "") != "duckdb":
            return None
        return int(self.con.raw_sql("SELECT current_setting('threads')").fetchone()[0])

    def set_threads(self, threads: int) -> None:
        self.con.raw_sql(f"SET threads = {int(threads)}")

    def _open_balances(self, source: str) -> ir.Table:
        """The claims of ``source`` posted by C with a positive balance at C, with every claim column
        and their ``balance`` (the same rule as ``_balances``).

        Charges, payments and adjustments are stacked and summed per claim in one grouping (rather
        than two groupings joined to every claim); only the few open claims are joined back.
        """
        c = self.p.cutover
        claims = self.rows("claims", source)
        posted = claims.filter(on_or_before(claims.created_at, c) & claims.total_charge.notnull())
        pay = self.rows("payments", source).filter(_.payment_date <= c)
        adj = self.rows("adjustments", source).filter((_.adjustment_date <= c) & (_.group_code != "PR"))
        parts = (posted.select("claim_id", amount=posted.total_charge)
                 .union(pay.select("claim_id", amount=-pay.amount), distinct=False)
                 .union(adj.select("claim_id", amount=-adj.amount), distinct=False))
        sums = parts.group_by(s_claim="claim_id").agg(balance=_.amount.sum())
        open_ = sums.filter(sums.balance > 0)
        joined = posted.join(open_, posted.claim_id == open_.s_claim)
        # Every claim column is kept: the in-scope claims are read from here, not from the claims table.
        return joined.select(*[joined[c] for c in claims.columns], balance=joined.balance)

    def claim_balances(self, source: str, claims: ir.Table) -> ir.Table:
        """claim_id, legacy_id and balance at C of some claims of ``source`` (e.g. the new claims matched
        to legacy ones), kept once per call: only their payments and adjustments are summed."""
        with self.grouping_threads():
            return self.keep(self._balances(source, claims))

    def _balances(self, source: str, claims: ir.Table) -> ir.Table:
        """claim_id, legacy_id and balance at C (0 when not posted by C) of ``claims`` of ``source``."""
        c = self.p.cutover
        ids = claims.select("claim_id")
        pay = self.rows("payments", source).filter(_.payment_date <= c).semi_join(ids, "claim_id")
        adj = (self.rows("adjustments", source).filter((_.adjustment_date <= c) & (_.group_code != "PR"))
               .semi_join(ids, "claim_id"))
        paid = pay.group_by("claim_id").agg(paid=_.amount.sum())
        adjusted = adj.group_by("claim_id").agg(adjusted=_.amount.sum())
        joined = (claims.left_join(paid, claims.claim_id == paid.claim_id)
                  .left_join(adjusted, claims.claim_id == adjusted.claim_id))
        posted = on_or_before(joined.created_at, c)
        balance = (joined.total_charge - joined.paid.fill_null(0) - joined.adjusted.fill_null(0))
        return joined.select(claim_id=joined.claim_id, legacy_id=joined.legacy_id,
                             balance=ibis.ifelse(posted, balance, ibis.literal(0).cast(balance.type())))

    def legacy_open_claims(self) -> ir.Table:
        """Legacy claims posted by C with a positive balance at C, with their legacy payer's class."""
        open_ = self.open_balances()
        payers = self.legacy("payers").select(pid=_.payer_id, payer_class=_.payer_class)
        joined = open_.left_join(payers, open_.payer_id == payers.pid)
        return joined.select(*[c for c in joined.columns if c != "pid"])

    def is_run_off(self, payer_class: ir.StringValue) -> ir.BooleanValue:
        if self.p.all_run_off:
            return ibis.literal(True)
        if not self.p.run_off_payer_classes:
            return ibis.literal(False)
        return payer_class.isin(list(self.p.run_off_payer_classes)).fill_null(False)

    def run_off_claims(self) -> ir.Table:
        """Legacy claims open at C whose payer class stays in the old system."""
        open_ = self.legacy_open_claims()
        return open_.filter(self.is_run_off(open_.payer_class))

    # ------------------------------------------------------------------ scope per table
    def open_claims_in_scope(self) -> ir.Table:
        """The in-scope legacy claims with their balance at C and payer class (a kept table, small)."""
        open_ = self.legacy_open_claims()
        return open_.filter(~self.is_run_off(open_.payer_class))

    def claims(self) -> ir.Table:
        return self.open_claims_in_scope().select(*self.legacy("claims").columns)

    def authorizations(self) -> ir.Table:
        t = self.legacy("authorizations")
        return t.filter(t.status.isin(["approved", "pending"]) & (t.end_date.isnull() | (t.end_date >= self.p.go_live)))

    def appointments(self) -> ir.Table:
        t = self.legacy("appointments")
        c = self.p.cutover
        start = t.scheduled_start
        return t.filter((on_or_after(start, c - dt.timedelta(days=364)) & on_or_before(start, c))
                        | (on_or_after(start, self.p.go_live) & (t.status == "scheduled")))

    def patient_keys(self) -> ir.Table:
        c = self.p.cutover
        appts = self.legacy("appointments")
        by_visit = appts.filter(on_or_after(appts.scheduled_start, c - dt.timedelta(days=729))).select("patient_id")
        by_claim = self.claims().select("patient_id")
        by_auth = self.authorizations().select("patient_id")
        return by_visit.union(by_claim).union(by_auth).distinct()

    def counts(self, tables) -> dict[str, int]:
        """How many legacy records of each of ``tables`` are in scope, in one query."""
        parts = [self.in_scope(t).aggregate(n=_.count()).mutate(table_name=ibis.literal(t)) for t in tables]
        if not parts:
            return {}
        counted = ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
        rows = counted.to_pyarrow().to_pylist()
        return {r["table_name"]: int(r["n"]) for r in rows}

    def patient_keys_kept(self) -> ir.Table:
        if "patient_keys" not in self._cache:
            self._cache["patient_keys"] = self.keep(self.patient_keys())
        return self._cache["patient_keys"]

    def adopt_patient_keys(self, keys) -> None:
        """Use the in-scope patient keys another connection found (an Arrow table of ``patient_id``)."""
        self._cache["patient_keys"] = self.keep(ibis.memtable(keys))

    def patients(self) -> ir.Table:
        return self.legacy("patients").semi_join(self.patient_keys_kept(), "patient_id")

    def coverages(self) -> ir.Table:
        t = self.legacy("coverages").semi_join(self.patient_keys_kept(), "patient_id")
        return t.filter(t.end_date.isnull() | (t.end_date >= self.p.go_live))

    def in_scope(self, table: str) -> ir.Table:
        """The legacy records of ``table`` that must be in the new system.

        Not kept aside: each table's scope is a filter or one semi-join against a kept key set
        (patient keys, open-claim balances), as cheap as joining back to a kept copy of its keys.
        """
        if table not in self._cache:
            if table in ("locations", "providers", "payers"):
                self._cache[table] = self.legacy(table)
            else:
                self._cache[table] = getattr(self, table)()
        return self._cache[table]
