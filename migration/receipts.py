"""The summary ("receipts") of a check run: what was in scope, what arrived, and the money at cut-over.

Money is summed exactly (Decimal) and reported rounded to cents. Differences are legacy minus new, so
a positive difference is AR the new system does not show. The new system's open AR is the positive
balances at C of the matched twins of the in-scope legacy claims (a missing twin counts as 0).
Aging buckets use the legacy claim's ``service_date_from`` counted back from C.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis
from ibis import _

from migration import normalize as norm

AGING_BUCKETS = ("0-30", "31-60", "61-90", "91-120", "over_120")


def _bucket(service: ibis.Value, cutover: dt.date) -> ibis.Value:
    def back(days: int) -> dt.date:
        return cutover - dt.timedelta(days=days)

    return ibis.cases((service >= back(30), "0-30"), (service >= back(60), "31-60"), (service >= back(90), "61-90"),
                      (service >= back(120), "91-120"), else_="over_120")


def _money_row(legacy, new) -> dict:
    lv, nv = norm.to_decimal(legacy), norm.to_decimal(new)
    return {"legacy": norm.money(lv), "new": norm.money(nv), "difference": norm.money(lv - nv)}


def open_ar(checker) -> dict:
    """Open AR at C of the in-scope claims in both systems: total, by legacy payer, by aging bucket."""
    pairs = checker.claim_balance_pairs()
    pos_new = ibis.ifelse(pairs.n_bal > 0, pairs.n_bal, 0).fill_null(0)
    pairs = pairs.mutate(new_ar=pos_new.cast("decimal(18,2)"),
                         bucket=_bucket(pairs.l_service, checker.p.cutover))
    by_payer = pairs.group_by(payer_id=pairs.l_payer).agg(legacy=_.l_bal.sum(), new=_.new_ar.sum(),
                                                           claims=_.count()).to_pandas()
    by_bucket = pairs.group_by("bucket").agg(legacy=_.l_bal.sum(), new=_.new_ar.sum(), claims=_.count()).to_pandas()
    total_l = sum((norm.to_decimal(v) for v in by_payer["legacy"]), Decimal(0))
    total_n = sum((norm.to_decimal(v) for v in by_payer["new"]), Decimal(0))
    payers = sorted(by_payer.to_dict("records"), key=lambda r: norm.key_sort(str(r["payer_id"])))
    buckets = {r["bucket"]: r for r in by_bucket.to_dict("records")}
    return {
        "claims": int(by_payer["claims"].sum()) if len(by_payer) else 0,
        **_money_row(total_l, total_n),
        "by_payer": [{"payer_id": r["payer_id"], "claims": int(r["claims"]), **_money_row(r["legacy"], r["new"])}
                     for r in payers],
        "by_aging_bucket": [{"bucket": b, "claims": int(buckets[b]["claims"]) if b in buckets else 0,
                             **_money_row(buckets[b]["legacy"] if b in buckets else 0,
                                          buckets[b]["new"] if b in buckets else 0)} for b in AGING_BUCKETS],
    }


def run_off_ar(checker) -> dict:
    """Open AR at C kept in the old system, by the legacy payer's class."""
    rows = (checker.scope.run_off_claims().group_by("payer_class").agg(amount=_.balance.sum(), claims=_.count())
            .to_pandas())
    return {str(r["payer_class"]): {"amount": norm.money(r["amount"]), "claims": int(r["claims"])}
            for r in sorted(rows.to_dict("records"), key=lambda r: str(r["payer_class"]))}


def authorization_visits(checker) -> dict:
    """Visits remaining on in-scope authorizations: legacy, and new as shown and netted for new work."""
    legacy = checker.scope.in_scope("authorizations")
    legacy_total = (legacy.visits_authorized.fill_null(0) - legacy.visits_used.fill_null(0)).sum().to_pyarrow().as_py()
    t = checker.authorization_remaining()
    agg = t.aggregate(shown=t.n_shown.sum(), netted=(t.n_shown + t.visits).sum(), matched=t.count(),
                      legacy_matched=t.l_rem.sum()).to_pandas().iloc[0]
    return {"legacy": int(legacy_total or 0), "legacy_matched": int(agg["legacy_matched"] or 0),
            "new_shown": int(agg["shown"] or 0), "new_netted": int(agg["netted"] or 0),
            "matched": int(agg["matched"] or 0)}


def finding_counts(findings: list[dict]) -> dict:
    from migration.checks import CHECKS

    by_check = {c: {"blocker": 0, "warning": 0, "info": 0} for c in CHECKS}
    by_severity = {"blocker": 0, "warning": 0, "info": 0}
    for f in findings:
        by_check.setdefault(f["check"], {"blocker": 0, "warning": 0, "info": 0})[f["severity"]] += 1
        by_severity[f["severity"]] += 1
    return {"total": len(findings), "by_severity": by_severity, "by_check": by_check}


def receipts(checker, findings: list[dict]) -> dict:
    p = checker.p
    return {
        "go_live": p.go_live.isoformat(),
        "cutover_day": p.cutover.isoformat(),
        "legacy_source": p.legacy,
        "new_source": p.new,
        "run_off_payer_classes": list(p.run_off_payer_classes),
        "tables": checker.table_counts,
        "open_ar": open_ar(checker),
        "run_off_ar": run_off_ar(checker),
        "authorization_visits": checker.authorization_results()[1],
        "findings": finding_counts(findings),
    }
