"""The reconciliation checks of MIGRATION_SPEC.md, as ibis queries over the warehouse.

Each check returns a list of findings (plain dicts in the JSON shape of the CLI contract). Only the
findings themselves (and a few per-table counts) leave the database; matching, scope and comparison
run where the data is (DuckDB by default, PostgreSQL and others unchanged).

Choices where the spec is silent (also shown in the screens' help):
- ``legacy_id`` and keys are matched as exact strings (no trimming or case folding).
- A reference's translation is the ``legacy_id`` of the new record it names, whether or not that
  record is the lowest-key match of its legacy record.
- The status of an appointment is not compared when the *legacy* appointment is dated on or after
  go-live.
- A new twin created after C is not posted at C, so its balance at C is 0.
- Visits netted into an authorization: completed new-source appointments (migrated or not) of the
  new authorization's own patient key, dated on or after go-live and within its start/end dates (a
  missing date leaves that side open), of its discipline when it names one.
- "Missing" in ``incomplete_record`` means null after normalization (blank text; a phone without digits).
- ``outdated_coverage``'s ``legacy`` for ``verified_at`` is the calendar date of that timestamp.
- ``run_off_payer_classes = ["*"]`` also keeps claims whose payer is unknown in the old system.
"""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from migration import normalize as norm
from migration.scope import GROUPING_THREADS, KEYS, SCOPE_TABLES, Params, Scope, on_or_after
from warehouse.schema import TABLES

BLOCKER_MISSING = {"patients", "claims", "authorizations"}
TOLERANCE = Decimal("0.005")
CHECKS = ("missing_in_new", "extra_in_new", "field_mismatch", "ar_balance_mismatch", "run_off_claim_in_new",
          "authorization_visits_mismatch", "duplicate_patient", "incomplete_record", "outdated_coverage")
SEVERITIES = ("blocker", "warning", "info")


def finding(check: str, table: str, system: str, key: str | None, field: str | None = None, legacy=None,
            new=None, severity: str = "warning", kind: str | None = None) -> dict:
    return {"check": check, "table": table, "system": system, "key": key, "field": field,
            "legacy": norm.raw(legacy, kind), "new": norm.raw(new, kind), "severity": severity}


def among(table: ir.Table, column: str, values: list, keep: bool = True) -> ir.Table:
    """The rows of ``table`` whose ``column`` is one of ``values`` (``keep=False``: is none of them): a
    literal list for a few values, a join with an in-memory table for many."""
    if len(values) <= 1000:
        inside = table[column].isin(values)
        return table.filter(inside if keep else ~inside)
    others = ibis.memtable(pd.DataFrame({column: values}))
    return table.semi_join(others, column) if keep else table.anti_join(others, column)


def identity(f: dict) -> tuple:
    """What identifies a finding (MIGRATION_EXAMPLES.md): check, table, system, key, field."""
    return (f["check"], f["table"], f["system"], f["key"], f["field"])


@dataclass
class CheckResult:
    findings: list[dict]
    summary: dict
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"summary": self.summary, "findings": self.findings}


class Checker:
    """Runs every check over one warehouse connection for one set of parameters."""

    def __init__(self, con: ibis.BaseBackend, params: Params):
        self.con = con
        self.p = params
        if getattr(con, "name", "") == "duckdb":  # no progress bars on the terminal from long queries
            con.raw_sql("SET enable_progress_bar = false")
        self.scope = Scope(con, params)
        self._matches: dict[str, ir.Table] = {}
        self.table_counts: dict[str, dict[str, int]] = {}
        self._claim_pairs: ir.Table | None = None
        self._twin_balances: ir.Table | None = None
        self._beside: Beside | None = None
        self._auth_remaining: ir.Table | None = None
        self._authorizations: tuple[list[dict], dict] | None = None
        self._losers: dict[str, list[tuple[str, str]]] = {}
        self._compared: dict[str, tuple[list[str], list[dict], list[tuple[str, str]]]] = {}

    # ------------------------------------------------------------------ matching
    def matches(self, table: str) -> ir.Table:
        """New records that are the match of their legacy record: the lowest new key per legacy_id."""
        if table in self._matches:
            return self._matches[table]
        key = KEYS[table]
        named = self.scope.new(table).filter(_.legacy_id.notnull())
        groups = named.group_by("legacy_id").agg(copies=_.count()).filter(_.copies > 1)
        with self.scope.grouping_threads():
            copies = named.semi_join(groups, "legacy_id").select("legacy_id", key).to_pandas()
        losers: list[tuple[str, str]] = []
        if len(copies):
            for lid, keys in copies.groupby("legacy_id")[key]:
                best = norm.lowest_key(list(keys))
                losers.extend((k, lid) for k in keys if k != best)
            named = among(named, key, [k for k, _lid in losers], keep=False)
        self._matches[table] = named
        self._losers[table] = losers
        return named

    # ------------------------------------------------------------------ missing / extra
    def missing_and_extra(self) -> list[dict]:
        out = []
        beside = self._beside.compared if self._beside is not None else {}
        # The tables compared on the other connection last, so their results are ready when asked for.
        tables = sorted(SCOPE_TABLES, key=lambda t: t in beside)
        for table in tables:
            self.compared(table)
        counts = self.scope.counts([t for t in tables if t not in beside])
        if beside:
            counts.update(self._beside.counts.result())
        for table in tables:
            missing, _mismatches, extra = self.compared(table)
            severity = "blocker" if table in BLOCKER_MISSING else "warning"
            out += [finding("missing_in_new", table, "legacy", k, severity=severity) for k in missing]
            out += [finding("extra_in_new", table, "new", k, new=lid) for k, lid in extra]
            total = counts[table]
            self.table_counts[table] = {"in_scope": total, "matched": total - len(missing),
                                        "missing": len(missing), "extra": len(extra)}
        self.table_counts = {t: self.table_counts[t] for t in SCOPE_TABLES if t in self.table_counts}
        return out

    # ------------------------------------------------------------------ field comparison
    def pairs(self, table: str, fields: list[str], extra_legacy: tuple[str, ...] = (),
              extra_new: tuple[str, ...] = (), how: str = "inner") -> ir.Table:
        """In-scope legacy records joined to their match: l_<col>, n_<col> and t_<ref> (translated).

        With ``how="left"`` the legacy records without a match are kept too (their n_ columns null);
        with ``how="outer"`` also the matches without an in-scope legacy record (their l_ columns null)."""
        key = KEYS[table]
        kinds = norm.COMPARED_FIELDS.get(table, {})
        legacy = self.scope.in_scope(table)
        new = self.matches(table)
        lsel = legacy.select(l_key=legacy[key], **{f"l_{c}": legacy[c] for c in (*fields, *extra_legacy)})
        nsel = new.select(n_key=new[key], n_lid=new.legacy_id, **{f"n_{c}": new[c] for c in (*fields, *extra_new)})
        for col in fields:
            kind = kinds.get(col, "value")
            if kind.startswith("ref:"):
                ref_table = kind[4:]
                xwalk = self.scope.new(ref_table).select(**{f"x_{col}": KEYS[ref_table], f"t_{col}": "legacy_id"})
                nsel = nsel.left_join(xwalk, nsel[f"n_{col}"] == xwalk[f"x_{col}"]).drop(f"x_{col}")
        return lsel.join(nsel, lsel.l_key == nsel.n_lid, how=how)

    def field_mismatches(self) -> list[dict]:
        out = []
        for table in norm.COMPARED_FIELDS:
            out += self.compared(table)[1]
        return out

    def compared(self, table: str) -> tuple[list[str], list[dict], list[tuple[str, str]]]:
        """(keys of in-scope legacy records without a match, field_mismatch findings, (key, legacy_id)
        of the new records whose legacy_id names no legacy record) of one table.

        One join per table serves all three: every in-scope legacy record full-outer-joined to its match.
        Two stages: records on one side only, or whose raw values differ anywhere (plain comparisons
        over every pair), are kept aside; then normalization runs on those candidates only (regular
        expressions are the costly part on a million records). A match without an in-scope legacy
        record is extra only when no legacy record at all has its key: that last test runs on those
        few, so the legacy table is only scanned, never built into a hash table."""
        if table not in self._compared:
            beside = self._beside
            if beside is not None and table in beside.compared:
                self._compared[table] = beside.compared[table].result()
            else:
                self._compared[table] = self._compare(table)
        return self._compared[table]

    def _compare(self, table: str) -> tuple[list[str], list[dict], list[tuple[str, str]]]:
        kinds = norm.COMPARED_FIELDS[table]
        out: list[dict] = []
        missing: list[str] = []
        fields = list(kinds)
        extra = ("scheduled_start",) if table == "appointments" and "scheduled_start" not in fields else ()
        pair = self.pairs(table, fields, extra_legacy=extra, how="outer")
        raw_differs = [pair.n_key.isnull(), pair.l_key.isnull()]
        for col, kind in kinds.items():
            lv, nv = pair[f"l_{col}"], pair[f"n_{col}"]
            if kind.startswith("ref:"):
                tv = pair[f"t_{col}"]
                raw_differs.append((lv.isnull() != nv.isnull())
                                   | (lv.notnull() & nv.notnull() & (tv.isnull() | (lv != tv))).fill_null(False))
            else:
                raw_differs.append(~lv.identical_to(nv) & norm.may_differ(lv, nv, kind))
        kept = self.scope.keep(pair.filter(ibis.or_(*raw_differs)))
        flags = {}
        for col, kind in kinds.items():
            lv, nv = kept[f"l_{col}"], kept[f"n_{col}"]
            if kind.startswith("ref:"):
                tv = kept[f"t_{col}"]
                flag = (lv.isnull() != nv.isnull()) | (lv.notnull() & nv.notnull() & (tv.isnull() | (lv != tv)))
            else:
                flag = ~norm.normalized(lv, kind).identical_to(norm.normalized(nv, kind))
            if table == "appointments" and col == "status":
                # The new system's own work since go-live explains later statuses.
                flag = flag & (kept.l_scheduled_start.date() < self.p.go_live)
            # Normalized only where both records are there (a record on one side is no mismatch).
            flags[f"m_{col}"] = ibis.ifelse(kept.l_key.notnull() & kept.n_key.notnull(), flag.fill_null(False), False)
        alone: list[tuple[str, str]] = []
        # Plain Python values straight from Arrow (no pandas frame for tens of thousands of rows).
        for r in kept.mutate(**flags).to_pyarrow().to_pylist():
            if r["l_key"] is None:
                alone.append((r["n_key"], r["n_lid"]))
                continue
            if r["n_key"] is None:
                missing.append(r["l_key"])
                continue
            for col in kinds:
                if r[f"m_{col}"]:
                    severity = "blocker" if (table, col) in norm.BLOCKER_FIELDS else "warning"
                    out.append(finding("field_mismatch", table, "legacy", r["l_key"], col, r[f"l_{col}"],
                                       r[f"n_{col}"], severity, TABLES[table].column(col).type))
        return missing, out, self._extra(table, alone)

    def _extra(self, table: str, alone: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """New records whose legacy_id is no legacy record's key: of the matches the outer join left
        alone (``alone``: key, legacy_id), those whose legacy_id no legacy record has, and the other
        copies of those legacy_ids. Asks the database only when some match was left alone."""
        if not alone:
            return []
        key = KEYS[table]
        ids = sorted({lid for _key, lid in alone})
        known = among(self.scope.legacy(table), key, ids)
        present = set(known.select(key).to_pyarrow().column(0).to_pylist())
        extra = [(k, lid) for k, lid in alone if lid not in present]
        absent_ids = {lid for _key, lid in extra}
        extra += [(k, lid) for k, lid in self._losers.get(table, []) if lid in absent_ids]
        return extra

    # ------------------------------------------------------------------ balances
    def claim_balance_pairs(self) -> ir.Table:
        """In-scope legacy claims with their balance at C and the balance of their match (null if none).

        Kept aside once: the AR check and both AR receipts read it."""
        if self._claim_pairs is None:
            self._claim_pairs = self.scope.keep(self._claim_balance_pairs())
        return self._claim_pairs

    def _claim_balance_pairs(self) -> ir.Table:
        legacy_bal = self.scope.open_claims_in_scope().select(l_key="claim_id", l_payer="payer_id",
                                                              l_service="service_date_from", l_bal="balance")
        new_bal = self.twin_balances().select(n_key="claim_id", n_lid="legacy_id", n_bal="balance")
        return legacy_bal.left_join(new_bal, legacy_bal.l_key == new_bal.n_lid)

    def twin_balances(self) -> ir.Table:
        """Balances at C of the new claims that are the match of a legacy claim (kept once)."""
        if self._twin_balances is None:
            if self._beside is not None:  # summed on the other connection, handed over as Arrow
                self._twin_balances = self.scope.keep(ibis.memtable(self._beside.twin_balances.result()))
            else:
                self._twin_balances = self.scope.claim_balances(self.p.new, self.matches("claims"))
        return self._twin_balances

    def ar_balance_mismatches(self) -> list[dict]:
        pairs = self.claim_balance_pairs().filter(_.n_key.notnull())
        diff = (pairs.l_bal - pairs.n_bal).abs()
        # more than 0.005, in exact decimals: 1000 x |difference| > 5
        rows = pairs.filter(diff * 1000 > int(TOLERANCE * 1000)).select("l_key", "l_bal", "n_bal")
        return [finding("ar_balance_mismatch", "claims", "legacy", r["l_key"], "balance", norm.money(r["l_bal"]),
                        norm.money(r["n_bal"]), "blocker") for r in rows.to_pandas().to_dict("records")]

    def run_off_twins(self) -> list[dict]:
        run_off = self.scope.run_off_claims().select(l_key="claim_id", l_bal="balance")
        new_bal = self.twin_balances().select(n_lid="legacy_id", n_bal="balance")
        rows = run_off.join(new_bal, run_off.l_key == new_bal.n_lid).to_pandas()
        return [finding("run_off_claim_in_new", "claims", "legacy", r["l_key"], None, norm.money(r["l_bal"]),
                        norm.money(r["n_bal"]), "blocker") for r in rows.to_dict("records")]

    # ------------------------------------------------------------------ authorizations
    def authorization_remaining(self) -> ir.Table:
        """Matched in-scope authorizations: legacy remaining, new remaining as shown, visits since go-live.

        Kept aside once: the check and the receipts both read it."""
        if self._auth_remaining is None:
            self._auth_remaining = self.scope.keep(self._authorization_remaining())
        return self._auth_remaining

    def _authorization_remaining(self) -> ir.Table:
        pair = self.pairs("authorizations", [], extra_legacy=("visits_authorized", "visits_used"),
                          extra_new=("patient_id", "discipline", "start_date", "end_date", "visits_authorized",
                                     "visits_used"))
        appts = self.scope.new("appointments")
        day = appts.scheduled_start.date()
        completed = (appts.status == "completed") & on_or_after(appts.scheduled_start, self.p.go_live)
        visits = appts.filter(completed).select(v_patient=appts.patient_id, v_day=day, v_discipline=appts.discipline)
        joined = pair.join(visits, [
            pair.n_patient_id == visits.v_patient,
            pair.n_start_date.isnull() | (visits.v_day >= pair.n_start_date),
            pair.n_end_date.isnull() | (visits.v_day <= pair.n_end_date),
            pair.n_discipline.isnull() | (visits.v_discipline == pair.n_discipline),
        ])
        counted = joined.group_by(c_key=joined.n_key).agg(visits=_.count())
        out = pair.left_join(counted, pair.n_key == counted.c_key)
        return out.select(
            l_key=out.l_key, n_key=out.n_key,
            l_rem=out.l_visits_authorized.fill_null(0) - out.l_visits_used.fill_null(0),
            n_shown=out.n_visits_authorized.fill_null(0) - out.n_visits_used.fill_null(0),
            visits=out.visits.fill_null(0))

    def authorization_mismatches(self) -> list[dict]:
        t = self.authorization_remaining()
        netted = t.n_shown + t.visits
        agree = (t.l_rem == netted) | ((t.n_shown == 0) & (t.visits >= t.l_rem))
        rows = t.filter(~agree).select("l_key", "l_rem", netted=netted).to_pandas()
        return [finding("authorization_visits_mismatch", "authorizations", "legacy", r["l_key"], "visits_remaining",
                        int(r["l_rem"]), int(r["netted"]), "blocker") for r in rows.to_dict("records")]

    def authorization_results(self) -> tuple[list[dict], dict]:
        """(authorization_visits_mismatch findings, the visits receipt): worked out once, on the other
        connection when there is one (``run`` asks before closing it; the receipts ask after)."""
        if self._authorizations is None:
            if self._beside is not None:
                self._authorizations = self._beside.authorizations.result()
            else:
                from migration.receipts import authorization_visits

                self._authorizations = (self.authorization_mismatches(), authorization_visits(self))
        return self._authorizations

    # ------------------------------------------------------------------ record quality
    def duplicates(self, source: str, system: str) -> list[dict]:
        return duplicate_patients(self.scope.rows("patients", source), system)

    def incomplete(self) -> list[dict]:
        return incomplete_records(self.scope.in_scope("patients"), self.scope.in_scope("coverages"))

    def outdated(self) -> list[dict]:
        return outdated_coverages(self.scope, self.scope.in_scope("patients"))

    # ------------------------------------------------------------------ all
    def run(self) -> list[dict]:
        self._beside = Beside.start(self)
        try:
            if self._beside is not None:  # the record-quality checks only wait for the patients in scope
                self._beside.check_patients(self.scope.patient_keys_kept().to_pyarrow())
            findings = self.missing_and_extra()
            findings += self.field_mismatches()
            findings += self.ar_balance_mismatches()
            findings += self.run_off_twins()
            findings += self.authorization_results()[0]
            if self._beside is not None:
                findings += self._beside.record_quality()
            else:
                findings += self.record_quality()
        finally:
            if self._beside is not None:
                self._beside.close()
                self._beside = None
        return sort_findings(findings)

    def record_quality(self) -> list[dict]:
        """Duplicate patients in both systems, incomplete records, outdated coverage."""
        return self.duplicates_both() + self.patient_quality()

    def duplicates_both(self) -> list[dict]:
        return self.duplicates(self.p.legacy, "legacy") + self.duplicates(self.p.new, "new")

    def patient_quality(self) -> list[dict]:
        """Incomplete records and outdated coverage (they read the in-scope patients)."""
        return self.incomplete() + self.outdated()


class Beside:
    """Work run in a thread on a second connection to the same DuckDB snapshot, while the main
    connection sums the legacy claim balances and compares the other tables: what needs nothing the
    main connection keeps (the comparison of the tables whose scope is a plain filter, the duplicate
    patients of both systems, the balances of the new claims, the authorization visits check and its
    receipt) and, once the main connection hands over the in-scope patient keys, the incomplete-record
    and outdated-coverage checks. Alone, the check left about a fifth of two cores idle
    (bench/RESULTS.md). Other backends run everything on one connection."""

    TABLES = ("appointments", "authorizations", "locations", "providers", "payers")

    def __init__(self, params: Params, con: ibis.BaseBackend, scope: Scope):
        self.con = con
        # The thread count is the database's, shared with the main connection: raised once for the
        # whole check (so that neither side lowers it under the other's grouping), restored at close.
        self.scope = scope
        self.threads = scope.threads()
        if self.threads is not None and self.threads < GROUPING_THREADS:
            scope.set_threads(GROUPING_THREADS)
        self.checker = Checker(con, params)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="migration-check")
        self.compared = {t: self.pool.submit(self.checker.compared, t) for t in self.TABLES}
        self.counts = self.pool.submit(self.checker.scope.counts, self.TABLES)  # in-scope legacy records
        self.found = self.pool.submit(self.checker.duplicates_both)
        self.twin_balances = self.pool.submit(lambda: self.checker.twin_balances().to_pyarrow())
        self.authorizations = self.pool.submit(self.checker.authorization_results)
        self.quality: Future | None = None

    @classmethod
    def start(cls, checker: Checker) -> Beside | None:
        from warehouse.store import second_reader

        con = second_reader(checker.con)
        return None if con is None else cls(checker.p, con, checker.scope)

    def check_patients(self, keys) -> None:
        """Queue the incomplete-record and outdated-coverage checks, given the in-scope patient keys."""
        def work() -> list[dict]:
            self.checker.scope.adopt_patient_keys(keys)
            return self.checker.patient_quality()

        self.quality = self.pool.submit(work)

    def record_quality(self) -> list[dict]:
        return self.found.result() + (self.quality.result() if self.quality is not None else [])

    def close(self) -> None:
        for future in (*self.compared.values(), self.counts, self.found, self.twin_balances, self.authorizations,
                       self.quality):
            if future is not None:
                future.cancel()
        self.pool.shutdown(wait=True)
        try:
            self.checker.scope.release()
        finally:
            self.con.disconnect()
            if self.threads is not None and self.threads < GROUPING_THREADS:
                self.scope.set_threads(self.threads)


def duplicate_patients(patients: ir.Table, system: str) -> list[dict]:
    """Pairs of patients of one system that look like one person (MIGRATION_SPEC.md duplicate_patient).

    Candidates are joined on the birth date and a cheap blocking key of the last name (lower case, all
    white space removed: equal normalized names always share it); the full normalization of last
    names, first names and phone digits runs on the candidate pairs alone, each pair once (the
    database's own text order picks which of the two comes first; the finding names them in key order).
    """
    base = patients.select(k=patients.patient_id, bd=patients.birth_date, lb=norm.blocking_text(patients.last_name),
                           ln=patients.last_name, fn=patients.first_name, ph=patients.phone)
    base = base.filter(base.bd.notnull() & base.lb.notnull() & (base.lb != ""))
    other = base.select(k2="k", bd2="bd", lb2="lb", ln2="ln", fn2="fn", ph2="ph")
    pairs = base.join(other, [base.bd == other.bd2, base.lb == other.lb2, base.k < other.k2])
    ln, ln2 = norm.text(pairs.ln), norm.text(pairs.ln2)
    fn, fn2 = norm.text(pairs.fn), norm.text(pairs.fn2)
    ph, ph2 = norm.digits(pairs.ph), norm.digits(pairs.ph2)
    same = ln.notnull() & (ln == ln2) & ((fn.notnull() & (fn == fn2)) | (ph.notnull() & (ph == ph2)))
    rows = pairs.filter(same.fill_null(False)).select("k", "k2").to_pandas()
    out = []
    for a, b in zip(rows["k"], rows["k2"], strict=True):
        first, second = (a, b) if norm.key_less(a, b) else (b, a)
        out.append(finding("duplicate_patient", "patients", system, f"{first}|{second}"))
    return out


def incomplete_records(patients: ir.Table, coverages: ir.Table) -> list[dict]:
    """In-scope legacy patients and coverages missing what the new system needs."""
    t = norm.blank
    first_missing = ibis.cases(
        (patients.birth_date.isnull(), "birth_date"),
        (t(patients.email) & norm.no_digits(patients.phone), "phone"),
        (t(patients.address_line), "address_line"),
        (t(patients.city), "city"),
        (t(patients.state), "state"),
        (t(patients.postal_code), "postal_code"),
        else_=ibis.null("string"))
    rows = patients.select(key=patients.patient_id, field=first_missing).filter(_.field.notnull()).to_pandas()
    out = [finding("incomplete_record", "patients", "legacy", r["key"], r["field"])
           for r in rows.to_dict("records")]
    cov = coverages.filter(t(coverages.member_id)).select(key=coverages.coverage_id).to_pandas()
    out += [finding("incomplete_record", "coverages", "legacy", k, "member_id") for k in cov["key"]]
    return out


def latest_primary_coverage(scope: Scope, patients: ir.Table | None = None) -> ir.Table:
    """Per legacy patient, the primary coverage with the latest start_date (null earliest; tie: higher key).

    ``patients`` (a table with ``patient_id``) limits the ranking to those patients.
    """
    cov = scope.legacy("coverages").filter(_.priority == 1)
    if patients is not None:
        cov = cov.semi_join(patients, "patient_id")
    window = ibis.window(group_by=cov.patient_id, order_by=[
        ibis.desc(cov.start_date.fill_null(dt.date(1, 1, 1))), ibis.desc(norm.key_order_expr(cov.coverage_id))])
    ranked = cov.mutate(rank=ibis.row_number().over(window))
    return ranked.filter(ranked["rank"] == 0).select(c_patient="patient_id", c_key="coverage_id",
                                                     c_end="end_date", c_verified="verified_at")


def outdated_coverages(scope: Scope, patients: ir.Table) -> list[dict]:
    """In-scope legacy patients seen since go-live - 90 days whose primary coverage looks out of date."""
    go_live = scope.p.go_live
    appts = scope.legacy("appointments")
    recent = appts.filter(on_or_after(appts.scheduled_start, go_live - dt.timedelta(days=90))).select("patient_id")
    seen = patients.semi_join(recent, "patient_id").select(p_key="patient_id")
    latest = latest_primary_coverage(scope, seen.select(patient_id="p_key"))
    joined = seen.left_join(latest, seen.p_key == latest.c_patient)
    verified_day = joined.c_verified.date()
    field_ = ibis.cases(
        (joined.c_key.isnull(), "coverage"),
        (joined.c_end.notnull() & (joined.c_end < go_live), "end_date"),
        (joined.c_verified.isnull() | (verified_day < go_live - dt.timedelta(days=365)), "verified_at"),
        else_=ibis.null("string"))
    rows = joined.select(key=joined.p_key, field=field_, end=joined.c_end, verified=verified_day)
    rows = rows.filter(_.field.notnull()).to_pandas()
    out = []
    for r in rows.to_dict("records"):
        legacy = {"end_date": r["end"], "verified_at": r["verified"], "coverage": None}[r["field"]]
        out.append(finding("outdated_coverage", "coverages", "legacy", r["key"], r["field"], legacy, kind="date"))
    return out


def sort_findings(findings: list[dict]) -> list[dict]:
    """A stable order for output: severity, check, table, key order, field."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    order = {c: i for i, c in enumerate(CHECKS)}
    return sorted(findings, key=lambda f: (rank.get(f["severity"], 9), order.get(f["check"], 99), f["table"],
                                           norm.key_sort(f["key"] or ""), f["field"] or ""))


def run_check(con: ibis.BaseBackend, params: Params) -> CheckResult:
    """Every check and the receipts, over one warehouse connection."""
    from migration.receipts import receipts

    started = time.perf_counter()
    checker = Checker(con, params)
    try:
        findings = checker.run()
        summary = receipts(checker, findings)
    finally:
        checker.scope.release()
    return CheckResult(findings=findings, summary=summary, seconds=time.perf_counter() - started,
                       counts=checker.table_counts)
