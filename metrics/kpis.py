"""Every warehouse KPI of KPI_SPEC.md as ibis expressions over the unified view.

Each KPI contributes "facts": rows with an event date ``d`` (or, for point-in-time KPIs, a window
already), a numerator part ``num`` and a denominator part ``den`` (null when the row does not count
there), and the dimension values it reaches. One query joins the facts to every requested window,
sums numerator and denominator per KPI, window and group, and returns a small frame; statuses and
values are then derived from those two sums. Nothing is computed row by row in Python.

Readings chosen where the spec is silent (also in each KPI's help text, metrics/registry.py):
- numerator and denominator are sums over the rows the KPI counts; a sum over no rows is null, and
  a count over counted rows that match nothing is 0;
- ``days_in_ar``: AR(D) is 0 (not null) when claims are posted by D but none has a positive balance;
- ``cosign_rate``: a co-signature dated before the signature counts as within 7 days;
- ``net_collection_rate`` and the AR KPIs count claims, so they break down like claims;
- a breakdown row whose status would be ``no_data`` is left out (the total row is always listed);
- key order puts all-digit keys (compared as numbers) before other keys (compared as text).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from metrics.registry import DIMENSIONS, Kpi, registry
from metrics.unified import Params, Unified, materialize, unified
from metrics.windows import Window

NON_DENIAL_CARCS = ("1", "2", "3", "23", "24", "45", "59", "94", "131", "144", "237", "253")
DUPLICATE_CARC = "18"
CONTRACTUAL_CARCS = ("45", "59", "253")
ADJUDICATION_CODES = ("1", "2", "3", "4", "19", "20", "21")
PRIMARY_CODES = ("1", "4", "19")
DENIAL_CATEGORIES = {
    "eligibility": ("26", "27", "31", "109", "177"),
    "authorization": ("197", "198", "15", "62"),
    "coding": ("4", "5", "6", "11", "97", "234", "236"),
    "documentation": ("16", "50", "150", "151", "252"),
    "timely_filing": ("29",),
    "coordination_of_benefits": ("22",),
    "credentialing": ("B7", "185", "242"),
    "benefits": ("96", "119", "204", "35"),
}
PROGRESS_NOTE_TYPES = ("evaluation", "progress", "re_evaluation", "discharge")
MAX_VISITS_PER_PROGRESS_NOTE = 10
DENIAL_KPIS = ("denial_rate", "denial_rate_dollars")
GROUP_DIMS = ("location", "payer", "payer_class", "discipline", "provider")



@dataclass(frozen=True)
class Fact:
    """One KPI's contribution: rows of (d or window, num, den, record, dimensions)."""

    kpi: str
    table: ir.Table


@dataclass(frozen=True)
class Cell:
    kpi: str
    window: str
    by: dict
    value: float | None
    numerator: float | None
    denominator: float | None
    unit: str
    target: float | None
    status: str

    def as_json(self) -> dict:
        return {"kpi": self.kpi, "window": self.window, "by": self.by, "value": self.value,
                "numerator": self.numerator, "denominator": self.denominator, "unit": self.unit,
                "target": self.target, "status": self.status}


# ---------------------------------------------------------------------------- small helpers


def key_order(key: ir.StringValue) -> ir.StringValue:
    """Sort key for source keys: all-digit keys as numbers (zero-padded), others as text, after them."""
    digits = key.re_search(r"^[0-9]+$")
    return digits.ifelse("0" + key.lpad(40, "0"), "1" + key)


def _f(x) -> ir.Value:
    return x.cast("float64")


def _flag(cond: ir.BooleanValue) -> ir.Value:
    return cond.fill_null(False).ifelse(1.0, 0.0)


def _null_f() -> ir.Value:
    return ibis.null("float64")


def _epoch(ts: ir.Value) -> ir.Value:
    return ts.epoch_seconds().cast("float64")


def _date_epoch(d: ir.Value) -> ir.Value:
    return d.cast("timestamp").epoch_seconds().cast("float64")


def _days_between_dates(a: ir.Value, b: ir.Value) -> ir.Value:
    """Whole days from date a to date b."""
    return ((_date_epoch(b) - _date_epoch(a)) / 86400.0).round(0)


def _as_float(x) -> ir.Value:
    if x is None:
        return _null_f()
    if isinstance(x, int | float):
        return ibis.literal(float(x), type="float64")
    return x.cast("float64")


def fact(t: ir.Table, kpi: str, d, num, den, record, **dims) -> Fact:
    """Rows a KPI counts: event date ``d``, numerator and denominator parts, the counted record's
    identity (for "show the records") and the dimensions the rows reach."""
    cols = {"kpi": ibis.literal(kpi), "d": d.cast("date"), "num": _as_float(num), "den": _as_float(den),
            "record": record.cast("string")}
    for name in DIMENSIONS:
        value = dims.get(name)
        cols[name] = value.cast("string") if value is not None else ibis.null("string")
    return Fact(kpi, t.select(**cols).view())  # a finished relation, even when t is a join


# ---------------------------------------------------------------------------- the engine

ONE = 1.0


class KpiEngine:
    """Builds every KPI's facts over one unified view."""

    def __init__(self, u: Unified) -> None:
        self.u = u
        self.p: Params = u.params
        self._cache: dict[str, ir.Table] = {}

    # -------------------------------------------------------------- enriched entities
    def payer_class(self) -> ir.Table:
        p = self.u["payers"]
        return p.select(_pc_id=p.payer_id, _pc=p.payer_class)

    def provider_discipline(self) -> ir.Table:
        p = self.u["providers"]
        return p.select(_pd_id=p.provider_id, _pd=p.discipline)

    def claims(self) -> ir.Table:
        """Kept claims with payer class and the rendering provider's discipline."""
        if "claims" not in self._cache:
            c = self.u["claims"]
            pc, pd_ = self.payer_class(), self.provider_discipline()
            c = c.left_join(pc, c.payer_id == pc._pc_id).drop("_pc_id")
            c = c.left_join(pd_, c.rendering_provider_id == pd_._pd_id).drop("_pd_id")
            self._cache["claims"] = c.rename(claim_payer_class="_pc", claim_discipline="_pd")
        return self._cache["claims"]

    @staticmethod
    def claim_dims(c: ir.Table) -> dict:
        return {"location": c.location_id, "payer": c.payer_id, "payer_class": c.claim_payer_class,
                "discipline": c.claim_discipline, "provider": c.rendering_provider_id}

    def appointments(self) -> ir.Table:
        a = self.u["appointments"]
        return a.mutate(visit_date=a.scheduled_start.date())

    def visits(self) -> ir.Table:
        """Completed visits; the date of a visit is its scheduled start's date."""
        a = self.appointments()
        return a.filter(a.status == "completed")

    @staticmethod
    def visit_dims(a: ir.Table) -> dict:
        return {"location": a.location_id, "discipline": a.discipline, "provider": a.provider_id}

    def notes(self) -> ir.Table:
        """Kept notes with their provider's discipline and, through their kept appointment, its
        location, start and duration (null when the note is not linked to one)."""
        n = self.u["notes"]
        pd_ = self.provider_discipline()
        n = n.left_join(pd_, n.provider_id == pd_._pd_id).drop("_pd_id").rename(note_discipline="_pd")
        a = self.u["appointments"]
        a = a.select(_na_id=a.appointment_id, note_location=a.location_id, appt_start=a.scheduled_start,
                     appt_minutes=a.duration_minutes)
        return n.left_join(a, n.appointment_id == a._na_id)

    @staticmethod
    def note_dims(n: ir.Table) -> dict:
        return {"location": n.note_location, "discipline": n.note_discipline, "provider": n.provider_id}

    def payments_by_claim(self) -> ir.Table:
        p = self.u["payments"]
        return p.group_by(_pay_claim=p.claim_id).aggregate(paid=_f(p.amount).sum())

    # -------------------------------------------------------------- revenue cycle
    def claim_flags(self) -> list[Fact]:
        c = self.claims()
        c = c.filter(c.first_submitted_at.notnull())
        clean = c.filter(c.edited_before_submission.notnull())
        accepted = c.filter(c.first_pass_accepted.notnull())
        return [
            fact(clean, "clean_claim_rate", clean.first_submitted_at.date(),
                 _flag(~clean.edited_before_submission), ONE, clean.claim_id, **self.claim_dims(clean)),
            fact(accepted, "first_pass_acceptance_rate", accepted.first_submitted_at.date(),
                 _flag(accepted.first_pass_accepted), ONE, accepted.claim_id, **self.claim_dims(accepted)),
        ]

    def initial_adjudication(self) -> ir.Table:
        """Per claim identity: its initial adjudication (earliest remit with an adjudication status,
        by received date, then remit key in key order)."""
        r = self.u["remits"]
        r = r.filter(r.claim_status_code.isin(ADJUDICATION_CODES))
        w = ibis.window(group_by=r.claim_id, order_by=[r.received_date, key_order(r.raw_key), r.remit_id])
        r = r.mutate(_rn=ibis.row_number().over(w))
        r = r.filter(r._rn == 0)
        return r.select(ia_claim=r.claim_id, ia_remit=r.remit_id, ia_date=r.received_date,
                        ia_status=r.claim_status_code)

    def denial_claims(self) -> ir.Table:
        """Claims whose initial adjudication is primary and not duplicate-flagged, with ``_denied`` and
        ``_category`` (null unless denied)."""
        ia = self.initial_adjudication()
        adj = self.u["adjustments"]
        adj = adj.filter(adj.remit_id.notnull())
        dup = adj.filter(adj.reason_code == DUPLICATE_CARC).select(_dup_remit=adj.remit_id).distinct()
        denial_adj = adj.filter(~adj.reason_code.isin((*NON_DENIAL_CARCS, DUPLICATE_CARC)))
        w = ibis.window(group_by=denial_adj.remit_id,
                        order_by=[key_order(denial_adj.raw_key), denial_adj.adjustment_id])
        first = denial_adj.mutate(_rn=ibis.row_number().over(w))
        first = first.filter(first._rn == 0).select(_den_remit=first.remit_id, _den_reason=first.reason_code)

        c = self.claims()
        q = ia.filter(ia.ia_status.isin(PRIMARY_CODES))
        q = q.anti_join(dup, q.ia_remit == dup._dup_remit)
        q = q.inner_join(c, q.ia_claim == c.claim_id)
        q = q.left_join(first, q.ia_remit == first._den_remit)
        denied = (q.ia_status == "4") | q._den_reason.notnull()
        category = ibis.cases(
            *[(q._den_reason.isin(codes), name) for name, codes in DENIAL_CATEGORIES.items()],
            else_="other")
        category = q._den_reason.isnull().ifelse(ibis.literal("eligibility"), category)
        return q.mutate(_denied=denied, _category=denied.ifelse(category, ibis.null("string")))

    def denial_facts(self) -> list[Fact]:
        q = self.denial_claims()
        dims = self.claim_dims(q)
        charge = _f(q.total_charge)
        return [
            fact(q, "denial_rate", q.ia_date, _flag(q._denied), ONE, q.claim_id, denial_category=q._category,
                 **dims),
            fact(q, "denial_rate_dollars", q.ia_date, q._denied.ifelse(charge, 0.0), charge, q.claim_id,
                 denial_category=q._category, **dims),
        ]

    def service_facts(self) -> list[Fact]:
        c = self.claims()
        pay = self.payments_by_claim()
        adj = self.u["adjustments"]
        contractual = adj.filter((adj.group_code == "CO") & adj.reason_code.isin(CONTRACTUAL_CARCS))
        contractual = contractual.group_by(_ca_claim=contractual.claim_id).aggregate(
            contractual=_f(contractual.amount).sum())
        c = c.left_join(pay, c.claim_id == pay._pay_claim)
        c = c.left_join(contractual, c.claim_id == contractual._ca_claim)
        paid = c.paid.fill_null(0.0)
        dims = self.claim_dims(c)
        v = self.visits()
        return [
            fact(c, "net_collection_rate", c.service_date_from, paid,
                 _f(c.total_charge) - c.contractual.fill_null(0.0), c.claim_id, **dims),
            fact(c, "revenue_per_visit", c.service_date_from, paid, None, c.claim_id, **dims),
            fact(v, "revenue_per_visit", v.visit_date, None, ONE, v.appointment_id, **self.visit_dims(v)),
            fact(c, "charge_lag_days", c.service_date_from,
                 _days_between_dates(c.service_date_from, c.created_at.date()), ONE, c.claim_id, **dims),
        ]

    def charge_capture(self) -> list[Fact]:
        v = self.visits()
        lines = self.u["claim_lines"]
        billed = lines.filter(lines.appointment_id.notnull()).select(_billed=lines.appointment_id).distinct()
        v = v.left_join(billed, v.appointment_id == billed._billed)
        return [fact(v, "charge_capture_rate", v.visit_date, _flag(v._billed.notnull()), ONE, v.appointment_id,
                     **self.visit_dims(v))]

    def era(self) -> list[Fact]:
        p = self.u["payments"]
        p = p.filter(p.payer_id.notnull())
        pc = self.payer_class()
        p = p.left_join(pc, p.payer_id == pc._pc_id)
        return [fact(p, "era_rate", p.payment_date, _flag(p.method == "era"), ONE, p.payment_id,
                     payer=p.payer_id, payer_class=p._pc)]

    # -------------------------------------------------------------- documentation
    def note_facts(self) -> list[Fact]:
        n = self.notes()
        dims = self.note_dims
        signed = n.filter(n.signed_at.notnull())
        timed = signed.filter(signed.documentation_seconds.notnull())
        linked = n.filter(n._na_id.notnull())
        linked = linked.mutate(_end=_epoch(linked.appt_start) + _f(linked.appt_minutes) * 60.0,
                               _signed=_epoch(linked.signed_at))
        lag = linked.filter(linked.signed_at.notnull())
        end_of_as_of = dt.datetime.combine(self.p.as_of + dt.timedelta(days=1), dt.time())
        due = linked.filter(linked._end + 86400.0 <= _epoch(ibis.literal(end_of_as_of)))
        cos = signed.filter(signed.requires_cosign.fill_null(False))
        in_time = cos.cosigned_at.notnull() & (_epoch(cos.cosigned_at) <= _epoch(cos.signed_at) + 7 * 86400.0)
        return [
            fact(timed, "documentation_minutes", timed.visit_date, _f(timed.documentation_seconds) / 60.0, ONE,
                 timed.note_id, **dims(timed)),
            fact(lag, "note_lag_hours", lag.visit_date, (lag._signed - lag._end) / 3600.0, ONE, lag.note_id,
                 **dims(lag)),
            fact(due, "notes_signed_24h_rate", due.visit_date,
                 _flag(due.signed_at.notnull() & (due._signed <= due._end + 86400.0)), ONE, due.note_id,
                 **dims(due)),
            fact(cos, "cosign_rate", cos.visit_date, _flag(in_time), ONE, cos.note_id, **dims(cos)),
        ]

    def progress_note_compliance(self) -> list[Fact]:
        """Per patient and discipline: the days with completed visits and the days with a note that
        restarts the count; a running visit count since the latest such note decides each visit day."""
        v = self.visits()
        per_day = v.group_by(_p=v.patient_id, _s=v.discipline, _d=v.visit_date).aggregate(_n=v.count())
        n = self.notes()
        n = n.filter(n.note_type.isin(PROGRESS_NOTE_TYPES) & n.note_discipline.notnull())
        anchors = n.select(_ap=n.patient_id, _as=n.note_discipline, _ad=n.visit_date).distinct()
        anchors = anchors.mutate(_anchor=ibis.literal(True))
        days = per_day.outer_join(anchors, [per_day._p == anchors._ap, per_day._s == anchors._as,
                                            per_day._d == anchors._ad])
        days = days.select(p=ibis.coalesce(days._p, days._ap), s=ibis.coalesce(days._s, days._as),
                           d=ibis.coalesce(days._d, days._ad), n=days._n.fill_null(0),
                           anchor=days._anchor.notnull())
        w = ibis.window(group_by=[days.p, days.s], order_by=days.d, rows=(None, 0))
        days = days.mutate(cum=days.n.sum().over(w))
        days = days.mutate(before=days.anchor.ifelse(days.cum - days.n, ibis.null("int64")))
        days = days.mutate(last_before=days.before.max().over(w))
        judged = days.filter((days.n > 0) & days.last_before.notnull())
        judged = judged.select(_jp=judged.p, _js=judged.s, _jd=judged.d,
                               _ok=(judged.cum - judged.last_before) <= MAX_VISITS_PER_PROGRESS_NOTE)
        v = v.inner_join(judged, [v.patient_id == judged._jp, v.discipline == judged._js,
                                  v.visit_date == judged._jd])
        return [fact(v, "progress_note_compliance", v.visit_date, _flag(v._ok), ONE, v.appointment_id,
                     **self.visit_dims(v))]

    def authorization_facts(self) -> list[Fact]:
        a = self.u["authorizations"]
        a = a.filter(a.decided_at.notnull())
        pc = self.payer_class()
        a = a.left_join(pc, a.payer_id == pc._pc_id)
        decided = a.filter(a.status.isin(("approved", "denied")))
        return [
            fact(decided, "pa_approval_rate", decided.decided_at.date(), _flag(decided.status == "approved"), ONE,
                 decided.authorization_id, payer=decided.payer_id, payer_class=decided._pc,
                 discipline=decided.discipline),
            fact(a, "pa_turnaround_days", a.decided_at.date(),
                 (_epoch(a.decided_at) - _epoch(a.requested_at)) / 86400.0, ONE, a.authorization_id,
                 payer=a.payer_id, payer_class=a._pc, discipline=a.discipline),
        ]

    # -------------------------------------------------------------- scheduling
    def scheduling_facts(self) -> list[Fact]:
        a = self.appointments()
        booked = a.filter(a.status.isin(("scheduled", "completed", "no_show", "late_cancel")))
        s = self.u["provider_schedule"]
        pd_ = self.provider_discipline()
        s = s.left_join(pd_, s.provider_id == pd_._pd_id)
        schedule_id = s.provider_id + "|" + s.location_id + "|" + s.work_date.cast("string")
        past = a.filter(a.status.isin(("completed", "no_show", "late_cancel", "cancelled")))
        return [
            fact(booked, "fill_rate", booked.visit_date, booked.duration_minutes, None, booked.appointment_id,
                 **self.visit_dims(booked)),
            fact(s, "fill_rate", s.work_date, None, s.available_minutes, schedule_id, location=s.location_id,
                 provider=s.provider_id, discipline=s._pd),
            fact(past, "no_show_rate", past.visit_date, _flag(past.status == "no_show"), ONE, past.appointment_id,
                 **self.visit_dims(past)),
            fact(past, "cancellation_rate", past.visit_date, _flag(past.status.isin(("cancelled", "late_cancel"))),
                 ONE, past.appointment_id, **self.visit_dims(past)),
        ]

    def referral_facts(self) -> list[Fact]:
        r = self.u["referrals"]
        r = r.mutate(_rdate=r.received_at.date(), _rkey=r.source_system + "|" + r.raw_key)
        a = self.visits()
        a = a.filter(a.appointment_type == "initial_eval")
        a = a.select(_ap=a.patient_id, _as=a.discipline, _ad=a.visit_date, _astart=a.scheduled_start)
        j = r.inner_join(a, [r.patient_id == a._ap,
                             r.discipline.isnull() | (r.discipline == a._as),
                             a._ad >= r._rdate, a._ad <= r._rdate + ibis.interval(days=30)])
        first = j.group_by(_fk=j._rkey).aggregate(_first=j._astart.min())
        r = r.left_join(first, r._rkey == first._fk)
        conv = r.filter(r._first.notnull())
        return [
            fact(r, "referral_conversion_rate", r._rdate, _flag(r._first.notnull()), ONE, r.referral_id,
                 discipline=r.discipline),
            fact(conv, "referral_to_first_visit_days", conv._rdate,
                 (_epoch(conv._first) - _epoch(conv.received_at)) / 86400.0, ONE, conv.referral_id,
                 discipline=conv.discipline),
        ]

    def event_facts(self, kpi_ids: set[str]) -> ir.Table | None:
        """The facts of every requested KPI that is not point-in-time, as one union."""
        builders = [
            (("clean_claim_rate", "first_pass_acceptance_rate"), self.claim_flags),
            (DENIAL_KPIS, self.denial_facts),
            (("net_collection_rate", "revenue_per_visit", "charge_lag_days"), self.service_facts),
            (("charge_capture_rate",), self.charge_capture),
            (("era_rate",), self.era),
            (("documentation_minutes", "note_lag_hours", "notes_signed_24h_rate", "cosign_rate"), self.note_facts),
            (("progress_note_compliance",), self.progress_note_compliance),
            (("pa_approval_rate", "pa_turnaround_days"), self.authorization_facts),
            (("fill_rate", "no_show_rate", "cancellation_rate"), self.scheduling_facts),
            (("referral_conversion_rate", "referral_to_first_visit_days"), self.referral_facts),
        ]
        parts = [f.table for ids, build in builders if kpi_ids.intersection(ids)
                 for f in build() if f.kpi in kpi_ids]
        return _union(parts)

    # -------------------------------------------------------------- point in time
    def pit_facts(self, wins: ir.Table, kpi_ids: set[str], days: list[dt.date], per_record: bool = True
                  ) -> ir.Table | None:
        """The AR KPIs on each window's day D (``wins``: window, pit_day, pit_from = D - 89,
        aged_before = D - 90; ``days``: the distinct D's). Claim balance at D = charge - payments to D -
        adjustments to D other than PR (patient responsibility moves money, it does not lower the
        balance).

        Payments and adjustments are summed per claim once, with one conditional sum per D, instead
        of being joined to every window first (five times the rows to group on a large practice).
        Without ``per_record`` the facts come summed per window and dimension values (see
        ``_pit_summed``): what a KPI table needs, without one row per claim and window."""
        wanted = kpi_ids.intersection(PIT_KPIS)
        if not wanted or not days:
            return None
        pay = self.u["payments"]
        pay = pay.filter(pay.payment_date <= days[-1]).select(
            _mk=pay.claim_id, _md=pay.payment_date, _mp=_f(pay.amount), _ma=_null_f())
        adj = self.u["adjustments"]
        adj = adj.filter((adj.group_code != "PR") & (adj.adjustment_date <= days[-1])).select(
            _mk=adj.claim_id, _md=adj.adjustment_date, _mp=_null_f(), _ma=_f(adj.amount))
        money = pay.union(adj, distinct=False)
        sums = {}
        for i, day in enumerate(days):
            upto = money._md <= day
            sums[f"_paid{i}"] = money._mp.sum(where=upto)
            sums[f"_adj{i}"] = money._ma.sum(where=upto)
        money = money.group_by("_mk").aggregate(**sums)
        c = self.claims()
        c = c.mutate(_created=c.created_at.date())
        c = c.left_join(money, c.claim_id == money._mk)
        c = c.inner_join(wins, c._created <= wins.pit_day)
        paid = ibis.cases(*[(c.pit_day == day, c[f"_paid{i}"]) for i, day in enumerate(days)], else_=_null_f())
        adjusted = ibis.cases(*[(c.pit_day == day, c[f"_adj{i}"]) for i, day in enumerate(days)], else_=_null_f())
        balance = _f(c.total_charge) - paid.fill_null(0.0) - adjusted.fill_null(0.0)
        c = c.mutate(_bal=balance, _pos=ibis.greatest(balance, 0.0))
        recent = c._created >= c.pit_from
        aged = c.service_date_from <= c.aged_before
        facts = {"days_in_ar": (c._pos, recent.ifelse(_f(c.total_charge) / 90.0, 0.0)),
                 "ar_over_90_rate": (aged.ifelse(c._pos, 0.0), c._pos)}
        if "legacy_ar" in wanted and self.p.legacy is not None:
            lone = self.u.legacy_claims_without_twin().rename(_lone="claim_id")
            c = c.left_join(lone, c.claim_id == lone._lone)
            counted = c._lone.notnull() & (c._bal > 0) & (c.pit_day >= ibis.literal(self.p.go_live))
            facts["legacy_ar"] = (counted.ifelse(c._bal, _null_f()), None, counted)
        facts = {k: v for k, v in facts.items() if k in wanted}
        if per_record:
            parts = []
            for kpi, (num, den, *only) in facts.items():
                rows = c.filter(only[0]) if only else c
                parts.append(_pit(rows, kpi, num, den, self.claim_dims(rows)))
            return _union(parts)
        return _pit_summed(c, facts, self.claim_dims(c))


def _pit_summed(c: ir.Table, facts: dict, dims: dict) -> ir.Table:
    """The point-in-time facts summed per window and dimension values (one row per KPI and group, no
    record): the claims x windows rows are read once, never kept, however many windows there are."""
    sums = {}
    for i, (num, den, *_) in enumerate(facts.values()):
        sums[f"_n{i}"] = _as_float(num).sum()
        if den is not None:
            sums[f"_d{i}"] = _as_float(den).sum()
    g = c.group_by(window=c.window, **{f"_g_{k}": v for k, v in dims.items()}).aggregate(**sums)
    parts = []
    for i, kpi in enumerate(facts):
        den = g[f"_d{i}"] if f"_d{i}" in sums else _null_f()
        cols = {"kpi": ibis.literal(kpi), "window": g.window, "num": g[f"_n{i}"], "den": den,
                "record": ibis.null("string")}
        for name in DIMENSIONS:
            cols[name] = g[f"_g_{name}"].cast("string") if name in dims else ibis.null("string")
        parts.append(g.select(**cols))
    return _union(parts)


PIT_KPIS = ("days_in_ar", "ar_over_90_rate", "legacy_ar")
# The kept tables the KPIs read (computed once per KPI query, see unified.materialize).
KPI_TABLES = ("providers", "payers", "referrals", "authorizations", "provider_schedule", "appointments", "notes",
              "claims", "claim_lines", "remits", "payments", "adjustments")
# The canonical columns each kept table must carry for the KPIs (the rest is not copied).
KPI_COLUMNS = {
    "providers": ("provider_id", "discipline"),
    "payers": ("payer_id", "payer_class"),
    "referrals": ("referral_id", "patient_id", "received_at", "discipline"),
    "authorizations": ("authorization_id", "payer_id", "discipline", "requested_at", "decided_at", "status"),
    "provider_schedule": ("provider_id", "location_id", "work_date", "available_minutes"),
    "appointments": ("appointment_id", "patient_id", "provider_id", "location_id", "discipline", "scheduled_start",
                     "duration_minutes", "appointment_type", "status"),
    "notes": ("note_id", "patient_id", "provider_id", "appointment_id", "note_type", "visit_date", "signed_at",
              "documentation_seconds", "requires_cosign", "cosigned_at"),
    "claims": ("claim_id", "payer_id", "location_id", "rendering_provider_id", "service_date_from", "created_at",
               "first_submitted_at", "total_charge", "first_pass_accepted", "edited_before_submission"),
    "claim_lines": ("appointment_id",),
    "remits": ("remit_id", "claim_id", "received_date", "claim_status_code"),
    "payments": ("payment_id", "claim_id", "payer_id", "payment_date", "amount", "method"),
    "adjustments": ("adjustment_id", "claim_id", "remit_id", "adjustment_date", "group_code", "reason_code", "amount"),
}
_CLAIMS = ("claims", "payers", "providers")
_AR = (*_CLAIMS, "payments", "adjustments")
KPI_NEEDS = {
    **dict.fromkeys(("clean_claim_rate", "first_pass_acceptance_rate"), _CLAIMS),
    **dict.fromkeys(("denial_rate", "denial_rate_dollars"), (*_CLAIMS, "remits", "adjustments")),
    **dict.fromkeys(("days_in_ar", "ar_over_90_rate", "legacy_ar", "net_collection_rate", "charge_lag_days"), _AR),
    "revenue_per_visit": (*_AR, "appointments"),
    "charge_capture_rate": ("appointments", "claim_lines"),
    "era_rate": ("payments", "payers"),
    **dict.fromkeys(("documentation_minutes", "note_lag_hours", "notes_signed_24h_rate", "cosign_rate",
                     "progress_note_compliance"), ("notes", "providers", "appointments")),
    **dict.fromkeys(("pa_approval_rate", "pa_turnaround_days"), ("authorizations", "payers")),
    **dict.fromkeys(("fill_rate", "no_show_rate", "cancellation_rate"), ("appointments", "provider_schedule",
                                                                         "providers")),
    **dict.fromkeys(("referral_conversion_rate", "referral_to_first_visit_days"), ("referrals", "appointments")),
}


def _union(parts: list[ir.Table]) -> ir.Table | None:
    if not parts:
        return None
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def _pit(t: ir.Table, kpi: str, num, den, dims: dict) -> ir.Table:
    cols = {"kpi": ibis.literal(kpi), "window": t.window, "num": _as_float(num), "den": _as_float(den),
            "record": t.claim_id.cast("string")}
    for name in DIMENSIONS:
        value = dims.get(name)
        cols[name] = value.cast("string") if value is not None else ibis.null("string")
    return t.select(**cols)


# ---------------------------------------------------------------------------- windows and results


def windows_table(windows: list[Window], as_of: dt.date) -> ir.Table:
    """The windows that start on or before as_of, with their point-in-time day D."""
    rows = [w for w in windows if not w.starts_after(as_of)]
    day = dt.timedelta(days=1)
    frame = pd.DataFrame({
        "window": [w.name for w in rows],
        "start": [w.start for w in rows],
        "end": [w.end for w in rows],
        "pit_day": [w.pit_day(as_of) for w in rows],
        "pit_from": [w.pit_day(as_of) - 89 * day for w in rows],
        "aged_before": [w.pit_day(as_of) - 90 * day for w in rows],
    })
    schema = {"window": "string", "start": "date", "end": "date", "pit_day": "date", "pit_from": "date",
              "aged_before": "date"}
    return ibis.memtable(frame, schema=schema)


def windowed_facts(engine: KpiEngine, windows: list[Window], kpi_ids: set[str],
                   filters: dict[str, str | None] | None = None, keep: tuple[str, ...] | None = None
                   ) -> ir.Table | None:
    """Every requested KPI's facts tagged with each window they fall in (one union), restricted to
    the rows carrying each filter's value (a filter value None keeps the rows where it is null).
    ``keep``: the extra columns to carry (record, dimensions); all of them when None."""
    wins = windows_table(windows, engine.p.as_of)
    extra = [c for c in ("record", *DIMENSIONS) if keep is None or c in keep or c in (filters or {})]
    parts = []
    events = engine.event_facts(kpi_ids)
    if events is not None:
        j = events.inner_join(wins, (events.d >= wins.start) & (events.d < wins.end))
        parts.append(j.select("kpi", "window", "num", "den", *extra))
    days = sorted({w.pit_day(engine.p.as_of) for w in windows if not w.starts_after(engine.p.as_of)})
    pit = engine.pit_facts(wins, kpi_ids, days, per_record="record" in extra)
    if pit is not None:
        parts.append(pit.select("kpi", "window", "num", "den", *extra))
    facts = _union(parts)
    for dim, value in (filters or {}).items():
        if facts is not None:
            facts = facts.filter(facts[dim].isnull() if value is None else facts[dim] == value)
    return facts


def supported(reg: dict[str, Kpi], filters: dict | None) -> dict[str, Kpi]:
    """The KPIs that reach every filtered dimension (the others have no path to it)."""
    return {k: v for k, v in reg.items() if all(d in v.dimensions for d in (filters or {}))}


def summary_query(facts: ir.Table, by: list[str], reg: dict[str, Kpi]) -> ir.Table:
    """Numerator and denominator sums per KPI and window: totals, then one breakdown per ``by``."""
    parts = []
    agg = {"num": facts.num.sum(), "den": facts.den.sum()}
    total = facts.group_by("kpi", "window").aggregate(**agg)
    parts.append(total.mutate(dim=ibis.null("string"), value_of=ibis.null("string")))
    for dim in by:
        ids = [k for k, spec in reg.items() if dim in spec.dimensions]
        if not ids:
            continue
        f = facts.filter(facts.kpi.isin(ids))
        if dim == "denial_category":
            cat = f.filter(f.denial_category.notnull())
            num = cat.group_by(_k=cat.kpi, _w=cat.window, value_of=cat.denial_category).aggregate(num=cat.num.sum())
            den = f.group_by(kpi=f.kpi, window=f.window).aggregate(den=f.den.sum())
            j = num.inner_join(den, [num._k == den.kpi, num._w == den.window])
            parts.append(j.select(kpi=j._k, window=j._w, num=j.num, den=j.den, dim=ibis.literal(dim),
                                  value_of=j.value_of))
        else:
            g = f.group_by("kpi", "window", value_of=f[dim]).aggregate(num=f.num.sum(), den=f.den.sum())
            parts.append(g.select("kpi", "window", "num", "den", dim=ibis.literal(dim), value_of=g.value_of))
    return _union(parts)


def _clean(x) -> float | None:
    if x is None or (isinstance(x, float) and pd.isna(x)) or x is pd.NA:
        return None
    return float(x)


def make_cell(spec: Kpi, window: Window, as_of: dt.date, go_live: dt.date, by: dict,
              num: float | None, den: float | None) -> Cell:
    """Value and status from the two sums (KPI_SPEC.md "Status")."""
    num, den = _clean(num), _clean(den)
    value = None
    if window.starts_after(as_of):
        num = den = None
    elif spec.id == "legacy_ar":
        den = None
        if window.pit_day(as_of) >= go_live and num is not None and num > 0:
            value = num
        else:
            num = None
    elif den is not None and den != 0:
        num = 0.0 if num is None else num
        value = num / den
    if value is None:
        status = "no_data"
    elif spec.target is None:
        status = "no_target"
    else:
        status = "met" if spec.meets(value) else "not_met"
    if spec.numerator_is_count and num is not None:
        num = int(round(num))
    if spec.denominator_is_count and den is not None:
        den = int(round(den))
    return Cell(spec.id, window.name, by, value, num, den, spec.unit, spec.target, status)


def _sort_value(v):
    return (v is None, str(v) if v is not None else "")


class KpiRun:
    """One evaluation at ``as_of`` on one connection: the kept tables the requested KPIs read are
    computed once (temporary tables), then any number of cell sets can be asked for."""

    def __init__(self, con: ibis.BaseBackend, settings, as_of: dt.date, kpi_ids: list[str] | None = None,
                 params: Params | None = None) -> None:
        self.con = con
        self.settings = settings
        self.as_of = as_of
        self.params = params or Params.from_settings(settings, as_of)
        self.registry = registry(settings)
        wanted = set(kpi_ids) if kpi_ids is not None else set(self.registry)
        tables = sorted({t for k in wanted for t in KPI_NEEDS.get(k, KPI_TABLES)})
        self.engine = KpiEngine(materialize(con, unified(con, self.params), tuple(tables), KPI_COLUMNS))

    def cells(self, windows: list[Window], by: list[str] | tuple[str, ...] = (), kpi_ids: list[str] | None = None,
              filters: dict[str, str | None] | None = None) -> list[Cell]:
        """One total cell per KPI and window, then each breakdown's cells. With ``filters``
        ({dimension: value}): only the KPIs reaching those dimensions, over the rows carrying them."""
        reg = supported(self.registry, filters)
        if kpi_ids is not None:
            reg = {k: v for k, v in reg.items() if k in kpi_ids}
        facts = windowed_facts(self.engine, windows, set(reg), filters, keep=tuple(by))
        rows = pd.DataFrame(columns=["kpi", "window", "num", "den", "dim", "value_of"])
        if facts is not None and any(not w.starts_after(self.as_of) for w in windows):
            if by:  # summed once per combination of the breakdowns' values, then summed again per breakdown
                facts = facts.group_by("kpi", "window", *by).aggregate(num=facts.num.sum(), den=facts.den.sum())
                facts = self.con.create_table(f"_facts_{uuid.uuid4().hex[:8]}", facts, temp=True)
            rows = self.con.execute(summary_query(facts, list(by), reg))
        return assemble(rows, reg, windows, list(by), self.as_of, self.params.go_live)


def compute_cells(con: ibis.BaseBackend, settings, as_of: dt.date, windows: list[Window],
                  by: list[str] | tuple[str, ...] = (), kpi_ids: list[str] | None = None,
                  params: Params | None = None, filters: dict[str, str | None] | None = None) -> list[Cell]:
    """The KPI table (see KpiRun.cells)."""
    run = KpiRun(con, settings, as_of, kpi_ids, params)
    return run.cells(windows, by, kpi_ids, filters)


def assemble(rows: pd.DataFrame, reg: dict[str, Kpi], windows: list[Window], by: list[str],
             as_of: dt.date, go_live: dt.date) -> list[Cell]:
    rows = rows.astype(object).where(rows.notna(), None)
    totals = {(r.kpi, r.window): (r.num, r.den) for r in rows.itertuples() if r.dim is None}
    groups: dict[tuple[str, str, str], list] = {}
    for r in rows.itertuples():
        if r.dim is not None:
            groups.setdefault((r.kpi, r.window, r.dim), []).append((r.value_of, r.num, r.den))
    cells: list[Cell] = []
    for w in windows:
        for kpi_id, spec in reg.items():
            num, den = totals.get((kpi_id, w.name), (None, None))
            cells.append(make_cell(spec, w, as_of, go_live, {}, num, den))
            for dim in by:
                if dim not in spec.dimensions or w.starts_after(as_of):
                    continue
                for value_of, gnum, gden in sorted(groups.get((kpi_id, w.name, dim), []),
                                                   key=lambda g: _sort_value(g[0])):
                    cell = make_cell(spec, w, as_of, go_live, {dim: value_of}, gnum, gden)
                    if cell.status != "no_data":
                        cells.append(cell)
    return cells
