"""Claims and the money around them: lines by the 8-minute rule, remits, payments and adjustments.

One claim per billed visit (a few visits are never billed: missed charges). Each insured claim is
submitted, sometimes rejected by the clearinghouse, then adjudicated: paid with a CO-45 contractual
write-down and the patient's share (PR-1/2/3), or denied (real CARC reasons; most are reworked and
paid later, the rest written off). A few claims are billed twice (CO-18), a few payments are reversed
(CLP02 22) and corrected, Medicare claims with a supplement cross over to the secondary payer
(19 then 2/20, sometimes a tertiary 3/21), patients pay their share by card, cash or check, some
overpay and are refunded, and small unpaid patient balances are written off after about five months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seed_data import vocab
from seed_data.timeline import DENIAL_BY_MONTH, month_of, rate

DAY = np.timedelta64(1, "D")
SEC = np.timedelta64(1, "s")
NAT_D = np.datetime64("NaT", "D")

DENIALS = [  # group, CARC, RARC, weight, whole claim?
    ("CO", "197", "N54", 0.20, True),
    ("CO", "16", "MA130", 0.16, True),
    ("CO", "50", "N115", 0.12, False),
    ("PR", "27", "N30", 0.11, True),
    ("CO", "29", None, 0.05, True),
    ("CO", "22", "MA04", 0.08, True),
    ("CO", "B7", "N570", 0.06, True),
    ("CO", "96", "N20", 0.08, False),
    ("CO", "4", "M20", 0.08, False),
    ("CO", "11", "M76", 0.06, True),
]


class _Events:
    """Accumulates remits, payments and adjustments as column lists, then builds frames."""

    def __init__(self):
        self.remits: list[dict] = []
        self.payments: list[dict] = []
        self.adjustments: list[dict] = []

    def remit(self, **cols):
        self.remits.append(cols)

    def payment(self, **cols):
        self.payments.append(cols)

    def adjustment(self, **cols):
        self.adjustments.append(cols)


def _frame(parts: list[dict], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({c: [] for c in columns})
    frames = []
    for part in parts:
        n = len(next(v for v in part.values() if isinstance(v, np.ndarray)))
        frames.append(pd.DataFrame({c: (part[c] if isinstance(part.get(c), np.ndarray) else
                                        np.full(n, part.get(c), dtype=object)) for c in columns}))
    return pd.concat(frames, ignore_index=True)


def simulate_billing(sim) -> None:
    r = sim.rng("billing")
    today = sim.today
    appts = sim.f["appointments"]
    visits = appts[(appts["status"] == "completed") & (appts["_day"] < today)]
    days_in = sim.since(visits["_day"].to_numpy())
    captured = r.random(len(visits)) < rate(days_in, 0.975, 0.995)
    v = visits[captured].reset_index(drop=True)
    n = len(v)
    payers = sim.payers.set_index("payer_id")
    prov = sim.f["providers"].set_index("provider_id")
    day = v["_day"].to_numpy()
    d_in = sim.since(day)
    payer = v["_payer_id"].to_numpy()
    pclass = payers.loc[payer, "payer_class"].to_numpy()
    self_pay = pclass == "self_pay"
    # rendering provider: assistants bill under the episode's therapist
    therapist = sim.ep["therapist_id"].to_numpy()[v["_episode"].to_numpy()]
    is_assist = np.isin(prov.loc[v["provider_id"], "credential"].to_numpy(), ["PTA", "COTA", "SLPA"])
    rendering = np.where(is_assist, therapist, v["provider_id"].to_numpy())
    charge_lag = np.where(r.random(n) < 0.5, 0, r.poisson(np.maximum(0.1, rate(d_in, 3.4, 1.0)) * 2 * r.random(n)))
    created = (day + charge_lag * DAY).astype("datetime64[s]") + r.integers(12 * 3600, 19 * 3600, n) * SEC
    edited = r.random(n) < (1 - rate(d_in, 0.88, 0.978)) * prov.loc[rendering, "_denial_mult"].to_numpy()
    submitted = created + np.where(edited, r.integers(12, 72, n), r.integers(0, 8, n)) * 3600 * SEC
    backlog = (d_in >= 0) & (d_in < 21)  # the billing team learning the new system
    submitted = submitted + np.where(backlog, r.integers(0, 6, n), 0) * 86400 * SEC
    fpa = r.random(n) < rate(d_in, 0.905, 0.968)
    claims = pd.DataFrame({
        "patient_id": v["patient_id"].to_numpy(), "payer_id": payer, "location_id": v["location_id"].to_numpy(),
        "rendering_provider_id": rendering, "service_date_from": day, "service_date_to": day,
        "created_at": created, "first_submitted_at": submitted, "first_pass_accepted": fpa,
        "edited_before_submission": edited, "_appointment_id": v["appointment_id"].to_numpy(),
        "_discipline": v["discipline"].to_numpy(), "_type": v["appointment_type"].to_numpy(),
        "_duration": v["duration_minutes"].to_numpy(), "_assistant": v["provider_id"].to_numpy(),
        "_episode": v["_episode"].to_numpy(), "_seg": v["_seg"].to_numpy(), "_dup": False})
    claims.loc[self_pay, ["first_submitted_at"]] = np.datetime64("NaT")
    claims["first_pass_accepted"] = claims["first_pass_accepted"].astype(object)
    claims["edited_before_submission"] = claims["edited_before_submission"].astype(object)
    claims.loc[self_pay, ["first_pass_accepted", "edited_before_submission"]] = None
    # a claim billed twice by mistake (the payer answers CO-18)
    dup = claims[(~self_pay) & (r.random(n) < 0.009)].copy()
    dup["created_at"] = dup["created_at"] + r.integers(2, 12, len(dup)) * 86400 * SEC
    dup["first_submitted_at"] = dup["created_at"] + 3600 * SEC
    dup["edited_before_submission"] = False
    dup["first_pass_accepted"] = True
    dup["_dup"] = True
    claims = pd.concat([claims, dup], ignore_index=True)
    claims = claims[claims["created_at"].to_numpy() < (today + DAY).astype("datetime64[s]")]
    claims = claims.sort_values(["created_at", "location_id", "_appointment_id", "_dup"], kind="stable",
                                ignore_index=True)
    claims["claim_id"] = np.arange(1, len(claims) + 1)
    lines = _claim_lines(r, claims, prov)
    if "fee_schedule" not in sim.f:
        sim.fee_schedule()
    fee = sim.f["fee_schedule"]
    lines = _price_lines(lines, claims, fee, payers)
    tot = lines.groupby("claim_id").agg(total=("charge_amount", "sum"), allowed=("_allowed", "sum"),
                                        n_lines=("charge_amount", "size"))
    claims["total_charge"] = tot.loc[claims["claim_id"], "total"].to_numpy()
    claims["_allowed"] = tot.loc[claims["claim_id"], "allowed"].to_numpy()
    ev = _Events()
    _adjudicate(sim, r, claims, lines, payers, ev)
    remits = _frame(ev.remits, ["claim_id", "payer_id", "received_date", "claim_status_code", "charge_amount",
                                "paid_amount", "patient_responsibility", "via_era", "_rk"])
    payments = _frame(ev.payments, ["claim_id", "payer_id", "payment_date", "amount", "method"])
    adjustments = _frame(ev.adjustments, ["claim_id", "_line_no", "_rk", "adjustment_date", "group_code",
                                          "reason_code", "remark_code", "amount"])
    end = today
    remits = remits[remits["received_date"].to_numpy().astype("datetime64[D]") <= end]
    payments = payments[payments["payment_date"].to_numpy().astype("datetime64[D]") <= end]
    adjustments = adjustments[adjustments["adjustment_date"].to_numpy().astype("datetime64[D]") <= end]
    remits = remits.astype({"received_date": "datetime64[s]"})
    remits["received_date"] = remits["received_date"].to_numpy().astype("datetime64[D]")
    remits = remits.sort_values(["received_date", "claim_id", "_rk"], kind="stable", ignore_index=True)
    remits["remit_id"] = np.arange(1, len(remits) + 1)
    rk = dict(zip(zip(remits["claim_id"], remits["_rk"], strict=True), remits["remit_id"], strict=True))
    adjustments["payment_date"] = None
    adjustments["remit_id"] = [rk.get((c, k)) if k is not None and not pd.isna(k) else None
                               for c, k in zip(adjustments["claim_id"], adjustments["_rk"], strict=True)]
    adjustments = adjustments.drop(columns=["payment_date"])
    adjustments["adjustment_date"] = adjustments["adjustment_date"].to_numpy().astype("datetime64[D]")
    adjustments = adjustments.sort_values(["adjustment_date", "claim_id"], kind="stable", ignore_index=True)
    adjustments["adjustment_id"] = np.arange(1, len(adjustments) + 1)
    lk = dict(zip(zip(lines["claim_id"], lines["_line_no"], strict=True), lines["claim_line_id"], strict=True))
    adjustments["claim_line_id"] = [lk.get((c, k)) if k is not None and not pd.isna(k) else None
                                    for c, k in zip(adjustments["claim_id"], adjustments["_line_no"], strict=True)]
    payments["payment_date"] = payments["payment_date"].to_numpy().astype("datetime64[D]")
    payments = payments.sort_values(["payment_date", "claim_id"], kind="stable", ignore_index=True)
    payments["payment_id"] = np.arange(1, len(payments) + 1)
    claims["first_submitted_at"] = claims["first_submitted_at"].where(
        claims["first_submitted_at"] < pd.Timestamp(str(today + DAY)))
    sim.f["claims"] = claims
    sim.f["claim_lines"] = lines
    sim.f["remits"] = remits
    sim.f["payments"] = payments
    sim.f["adjustments"] = adjustments


def _claim_lines(r, claims: pd.DataFrame, prov: pd.DataFrame) -> pd.DataFrame:
    n = len(claims)
    disc = claims["_discipline"].to_numpy()
    atype = claims["_type"].to_numpy()
    dur = claims["_duration"].to_numpy()
    parts = []
    # evaluations and re-evaluations: one untimed code, plus a timed code for PT/OT
    is_eval = atype == "initial_eval"
    is_re = atype == "re_eval"
    for d in ("PT", "OT", "SLP"):
        m = is_eval & (disc == d)
        codes = np.array(vocab.EVAL_CODES[d], dtype=object)
        parts.append(pd.DataFrame({"claim_id": claims["claim_id"].to_numpy()[m], "_line_no": 1,
                                   "cpt_code": r.choice(codes, m.sum(), p=_eval_weights(len(codes))),
                                   "units": 1}))
        m = is_re & (disc == d)
        parts.append(pd.DataFrame({"claim_id": claims["claim_id"].to_numpy()[m], "_line_no": 1,
                                   "cpt_code": vocab.RE_EVAL_CODES[d], "units": 1}))
    # timed treatment minutes for PT and OT, billed by the 8-minute rule
    timed_minutes = np.where(is_eval | is_re, np.maximum(0, dur - 45 - r.integers(0, 12, n)),
                             dur - r.integers(0, 12, n))
    timed = (disc != "SLP") & (timed_minutes >= 8)
    units_total = (timed_minutes + 7) // 15
    k = np.minimum(units_total, r.choice(np.array([1, 2, 2, 3, 3]), n))
    order = np.argsort(r.random((n, 5)), axis=1)
    for d in ("PT", "OT"):
        codes = np.array(vocab.TIMED_CODES[d], dtype=object)
        m = timed & (disc == d)
        idx = np.flatnonzero(m)
        for j in range(3):
            mj = k[idx] > j
            ii = idx[mj]
            units = units_total[ii] // k[ii] + (j < units_total[ii] % k[ii])
            parts.append(pd.DataFrame({"claim_id": claims["claim_id"].to_numpy()[ii], "_line_no": 2 + j,
                                       "cpt_code": codes[order[ii, j]], "units": units}))
    # speech treatment: untimed 92507, sometimes swallowing 92526
    m = (disc == "SLP") & ~is_eval & ~is_re
    parts.append(pd.DataFrame({"claim_id": claims["claim_id"].to_numpy()[m], "_line_no": 2, "cpt_code": "92507",
                               "units": 1}))
    m2 = m & (r.random(n) < 0.15)
    parts.append(pd.DataFrame({"claim_id": claims["claim_id"].to_numpy()[m2], "_line_no": 3,
                               "cpt_code": "92526", "units": 1}))
    lines = pd.concat(parts, ignore_index=True)
    lines = lines[lines["units"] > 0]
    lines = lines.sort_values(["claim_id", "_line_no"], kind="stable", ignore_index=True)
    lines["_line_no"] = lines.groupby("claim_id").cumcount() + 1
    lines["claim_line_id"] = np.arange(1, len(lines) + 1)
    c = claims.set_index("claim_id").loc[lines["claim_id"]]
    lines["appointment_id"] = c["_appointment_id"].to_numpy()
    lines["service_date"] = c["service_date_from"].to_numpy()
    mod = pd.Series(c["_discipline"].map(vocab.DISCIPLINE_MODIFIER).to_numpy())
    cred = prov.loc[c["_assistant"], "credential"].map(vocab.ASSISTANT_MODIFIER).to_numpy()
    has_cred = pd.notna(cred)
    mod2 = np.where(has_cred, cred, np.where((lines["cpt_code"].to_numpy() == "97140") &
                                             (lines["_line_no"].to_numpy() > 1), "59", None))
    lines["_mod1"] = mod.to_numpy()
    lines["_mod2"] = mod2
    lines["modifiers"] = [a if b is None else f"{a},{b}" for a, b in zip(lines["_mod1"], mod2, strict=True)]
    return lines


def _eval_weights(k: int) -> np.ndarray:
    w = np.array([0.35, 0.45, 0.2, 0.1][:k])
    return w / w.sum()


def _price_lines(lines, claims, fee, payers) -> pd.DataFrame:
    charge_per_unit = {c: int(round(v[0] * 100)) for c, v in vocab.CHARGES.items()}
    lines["charge_amount"] = lines["cpt_code"].map(charge_per_unit).to_numpy() * lines["units"].to_numpy()
    c = claims.set_index("claim_id").loc[lines["claim_id"]]
    year = c["service_date_from"].to_numpy().astype("datetime64[Y]").astype(np.int64) + 1970
    f = fee.assign(_year=fee["effective_date"].to_numpy().astype("datetime64[Y]").astype(np.int64) + 1970)
    key = pd.MultiIndex.from_arrays([f["payer_id"], f["cpt_code"], f["_year"]])
    allowed = pd.Series(f["allowed_amount"].to_numpy(), index=key)
    look = pd.MultiIndex.from_arrays([c["payer_id"].to_numpy(), lines["cpt_code"].to_numpy(), year])
    lines["_allowed"] = allowed.reindex(look).to_numpy() * lines["units"].to_numpy()
    lines["_allowed"] = np.minimum(lines["_allowed"], lines["charge_amount"]).astype(np.int64)
    return lines


def _adjudicate(sim, r, claims: pd.DataFrame, lines: pd.DataFrame, payers: pd.DataFrame, ev: _Events) -> None:
    go_live = sim.go_live
    n = len(claims)
    cid = claims["claim_id"].to_numpy()
    payer = claims["payer_id"].to_numpy()
    pinfo = payers.loc[payer]
    pclass = pinfo["payer_class"].to_numpy()
    self_pay = pclass == "self_pay"
    C = claims["total_charge"].to_numpy().astype(np.int64)
    A = claims["_allowed"].to_numpy().astype(np.int64)
    sub = claims["first_submitted_at"].to_numpy().astype("datetime64[D]")
    sdate = claims["service_date_from"].to_numpy().astype("datetime64[D]")
    d_in = sim.since(sdate)

    def via_era(dates, payer_ids):
        info = payers.loc[np.asarray(payer_ids, dtype=np.int64)]
        era_legacy = info["era_legacy"].to_numpy().astype(bool)
        era_new = info["era_new"].to_numpy().astype(bool)
        d = sim.since(dates)
        return np.where(d < 0, era_legacy, np.where(d < 30, era_legacy | (era_new & (d >= 10)), era_new))

    def pay_date(dates, era):
        return dates + np.where(era, 0, r.integers(3, 11, len(dates))) * DAY

    # --- self-pay: paid at the desk, discounted
    sp = np.flatnonzero(self_pay)
    if len(sp):
        ev.payment(claim_id=cid[sp], payer_id=None, payment_date=sdate[sp], amount=A[sp],
                   method=np.where(r.random(len(sp)) < 0.8, "card", "cash"))
        ev.adjustment(claim_id=cid[sp], _line_no=None, _rk=None, adjustment_date=sdate[sp], group_code="CO",
                      reason_code="45", remark_code=None, amount=C[sp] - A[sp])
    ins = ~self_pay
    # clearinghouse rejection delays the payer's answer
    fpa = claims["first_pass_accepted"].to_numpy()
    delay = np.where(fpa == False, r.integers(3, 9, n), 0)  # noqa: E712
    lag_med = pinfo["lag"].to_numpy() * np.where(d_in < 0, 1.5, rate(d_in, 1.5, 0.85))
    lag = np.maximum(6, r.gamma(6.0, np.maximum(lag_med, 1) / 6.0)).astype(np.int64)
    first = sub + (delay + lag) * DAY
    # --- duplicates: CO-18 on the whole claim
    dup = claims["_dup"].to_numpy() & ins
    di = np.flatnonzero(dup)
    era1 = via_era(first, payer)
    ev.remit(claim_id=cid[di], payer_id=payer[di], received_date=first[di], claim_status_code="4",
             charge_amount=C[di], paid_amount=np.zeros(len(di), np.int64), patient_responsibility=0,
             via_era=era1[di], _rk=1)
    ev.adjustment(claim_id=cid[di], _line_no=None, _rk=1, adjustment_date=first[di], group_code="CO",
                  reason_code="18", remark_code="N522", amount=C[di])
    # --- denials
    rend = claims["rendering_provider_id"].to_numpy()
    prov = sim.f["providers"].set_index("provider_id")
    p_den = (rate(d_in + 20, 0.08, 0.03) * pinfo["denial_mult"].to_numpy() / 1.12
             * prov.loc[rend, "_denial_mult"].to_numpy() * DENIAL_BY_MONTH[month_of(sdate)])
    needs_auth = pinfo["needs_auth"].to_numpy().astype(bool)
    has_auth = np.isin(claims["_episode"].to_numpy(), list(sim.auth_episodes))
    no_auth = needs_auth & ~has_auth
    # the new system's authorization tracking stops most visits without a valid authorization
    p_den = np.where(no_auth, np.maximum(p_den, rate(d_in + 20, 0.3, 0.06)), p_den)
    denied = ins & ~dup & (r.random(n) < p_den)
    w = np.array([d[3] for d in DENIALS])
    reason_idx = r.choice(len(DENIALS), n, p=w / w.sum())
    reason_idx = np.where(no_auth & (r.random(n) < 0.85), 0, reason_idx)
    whole = np.array([d[4] for d in DENIALS])[reason_idx]
    nl = lines.groupby("claim_id").size().reindex(cid).to_numpy()
    whole = whole | (nl < 2)
    full = denied & whole
    partial = denied & ~whole
    groups = np.array([d[0] for d in DENIALS], dtype=object)[reason_idx]
    carcs = np.array([d[1] for d in DENIALS], dtype=object)[reason_idx]
    rarcs = np.array([d[2] for d in DENIALS], dtype=object)[reason_idx]
    fi = np.flatnonzero(full)
    ev.remit(claim_id=cid[fi], payer_id=payer[fi], received_date=first[fi], claim_status_code="4",
             charge_amount=C[fi], paid_amount=np.zeros(len(fi), np.int64),
             patient_responsibility=np.where(groups[fi] == "PR", C[fi], 0), via_era=era1[fi], _rk=1)
    ev.adjustment(claim_id=cid[fi], _line_no=None, _rk=1, adjustment_date=first[fi], group_code=groups[fi],
                  reason_code=carcs[fi], remark_code=rarcs[fi], amount=C[fi])
    # rework: most whole-claim denials are corrected and paid (timely filing is lost for good)
    rework = full & (carcs != "29") & (r.random(n) < 0.7)
    wi = np.flatnonzero(rework)
    fix = first[wi] + r.integers(6, 30, len(wi)) * DAY
    ev.adjustment(claim_id=cid[wi], _line_no=None, _rk=None, adjustment_date=fix, group_code=groups[wi],
                  reason_code=carcs[wi], remark_code=rarcs[wi], amount=-C[wi])
    second = fix + np.maximum(6, r.gamma(6.0, lag_med[wi] / 6.0)).astype(np.int64) * DAY
    _pay(sim, r, ev, claims, wi, second, 2, C[wi], A[wi], None, via_era, pay_date, crossover=False)
    # partial: the last line denied, the rest paid on the first remit
    pi_ = np.flatnonzero(partial)
    last_line = lines.groupby("claim_id").agg(lc=("charge_amount", "last"), la=("_allowed", "last"),
                                              ln=("_line_no", "last")).reindex(cid[pi_])
    ok_i = np.flatnonzero(ins & ~dup & ~full)
    Cp, Ap = C.copy(), A.copy()
    Cp[pi_] = C[pi_] - last_line["lc"].to_numpy()
    Ap[pi_] = A[pi_] - last_line["la"].to_numpy()
    partial_info = (pi_, last_line["lc"].to_numpy(), last_line["ln"].to_numpy(), groups[pi_], carcs[pi_], rarcs[pi_])
    # a few claims first come back "not our claim, forwarded" (23)
    fwd = ok_i[r.random(len(ok_i)) < 0.004]
    ev.remit(claim_id=cid[fwd], payer_id=payer[fwd], received_date=first[fwd] - 4 * DAY, claim_status_code="23",
             charge_amount=C[fwd], paid_amount=np.zeros(len(fwd), np.int64), patient_responsibility=0,
             via_era=era1[fwd], _rk=0)
    _pay(sim, r, ev, claims, ok_i, first[ok_i], 1, C[ok_i], A[ok_i], (Cp[ok_i], Ap[ok_i], partial_info),
         via_era, pay_date, crossover=True)
    del go_live


def _pay(sim, r, ev, claims, idx, when, rk, C, A, partial, via_era, pay_date, crossover):
    """A paying remit for claims ``idx`` on dates ``when``: payment, CO-45, the patient's share, then
    the secondary payer or the patient; sometimes a reversal (22) and a corrected remit."""
    if len(idx) == 0:
        return
    cid = claims["claim_id"].to_numpy()[idx]
    payer = claims["payer_id"].to_numpy()[idx]
    payers = sim.payers.set_index("payer_id")
    pinfo = payers.loc[payer]
    sdate = claims["service_date_from"].to_numpy().astype("datetime64[D]")[idx]
    d_in = sim.since(when)
    charge, allowed = C.copy(), A.copy()
    if partial is not None:
        charge, allowed = partial[0], partial[1]
    share = pinfo["patient_share"].to_numpy()
    code = pinfo["code"].to_numpy()
    cls = pinfo["payer_class"].to_numpy()
    month = month_of(sdate)
    deductible = (cls != "medicaid") & (share > 0) & (month < 3) & (r.random(len(idx)) < 0.35)
    copay = (cls == "commercial") & ~deductible
    pr = np.where(deductible, np.minimum(allowed, r.integers(40, 160, len(idx)) * 100),
                  np.where(copay, np.minimum(allowed, r.choice(np.array([2500, 3000, 4000, 5000]), len(idx))),
                           np.round(allowed * share).astype(np.int64)))
    pr = np.maximum(pr, 0)
    paid = allowed - pr
    co45 = charge - allowed
    era = via_era(when, payer)
    seg = claims["_seg"].to_numpy()[idx]
    secondary = np.array([sim.sec_by_seg.get(s) for s in seg], dtype=object)
    has_sec = np.array([s is not None for s in secondary]) & (pr > 0)
    status = np.where(has_sec & crossover & (code == "MCR01"), "19", "1")
    ev.remit(claim_id=cid, payer_id=payer, received_date=when, claim_status_code=status, charge_amount=C,
             paid_amount=paid, patient_responsibility=pr, via_era=era, _rk=rk)
    ev.payment(claim_id=cid, payer_id=payer, payment_date=pay_date(when, era), amount=paid,
               method=np.where(era, "era", "paper"))
    ev.adjustment(claim_id=cid, _line_no=None, _rk=rk, adjustment_date=when, group_code="CO", reason_code="45",
                  remark_code=None, amount=co45)
    pr_code = np.where(deductible, "1", np.where(copay, "3", "2"))
    m = pr > 0
    ev.adjustment(claim_id=cid[m], _line_no=None, _rk=rk, adjustment_date=when[m], group_code="PR",
                  reason_code=pr_code[m], remark_code=None, amount=pr[m])
    if partial is not None:
        pi_, lc, ln, g, c, rr = partial[2]
        pos = {k: i for i, k in enumerate(claims["claim_id"].to_numpy()[pi_])}
        sel = np.array([pos.get(x, -1) for x in cid])
        mm = sel >= 0
        if mm.any():
            s = sel[mm]
            ev.adjustment(claim_id=cid[mm], _line_no=ln[s], _rk=rk, adjustment_date=when[mm], group_code=g[s],
                          reason_code=c[s], remark_code=rr[s], amount=lc[s])
    # secondary payer picks up the patient's share (crossover)
    si = np.flatnonzero(has_sec)
    if len(si):
        sec_payer = secondary[si].astype(np.int64)
        s_when = when[si] + r.integers(8, 30, len(si)) * DAY
        s_era = via_era(s_when, sec_payer)
        s_paid = np.round(pr[si] * np.where(payers.loc[sec_payer, "code"].to_numpy() == "MCD01", 0.7, 0.85)
                          ).astype(np.int64)
        u = r.random(len(si))
        s_code = np.where(u < 0.86, "2", np.where(u < 0.96, "20", np.where(u < 0.98, "3", "21")))
        ev.remit(claim_id=cid[si], payer_id=sec_payer, received_date=s_when, claim_status_code=s_code,
                 charge_amount=C[si], paid_amount=s_paid, patient_responsibility=0, via_era=s_era, _rk=rk + 10)
        ev.payment(claim_id=cid[si], payer_id=sec_payer, payment_date=pay_date(s_when, s_era), amount=s_paid,
                   method=np.where(s_era, "era", "paper"))
        ev.adjustment(claim_id=cid[si], _line_no=None, _rk=rk + 10, adjustment_date=s_when, group_code="CO",
                      reason_code="45", remark_code=None, amount=pr[si] - s_paid)
    # the patient pays their share, or it is written off after about five months
    pi = np.flatnonzero((pr > 0) & ~has_sec)
    if len(pi):
        plag = np.maximum(1, r.gamma(2.0, rate(d_in[pi], 55.0, 18.0) / 2.0)).astype(np.int64)
        pays = r.random(len(pi)) < 0.9
        pp = pi[pays]
        pdate = when[pp] + plag[pays] * DAY
        u = r.random(len(pp))
        method = np.where(u < 0.72, "card", np.where(u < 0.82, "cash", "paper"))
        ev.payment(claim_id=cid[pp], payer_id=None, payment_date=pdate, amount=pr[pp], method=method)
        # an overpayment now and then, refunded a few weeks later
        ov = r.random(len(pp)) < 0.006
        if ov.any():
            ev.payment(claim_id=cid[pp][ov], payer_id=None, payment_date=pdate[ov] + DAY, amount=pr[pp][ov],
                       method="card")
            ev.payment(claim_id=cid[pp][ov], payer_id=None, payment_date=pdate[ov] + r.integers(10, 40, ov.sum()) * DAY,
                       amount=-pr[pp][ov], method="card")
        wo = pi[~pays]
        ev.adjustment(claim_id=cid[wo], _line_no=None, _rk=None, adjustment_date=when[wo] + r.integers(140, 170, len(wo)) * DAY,
                      group_code="OA", reason_code="45", remark_code=None, amount=pr[wo])
    # reversal (22) and corrected claim, for a few paid claims
    vi = np.flatnonzero((paid > 0) & (r.random(len(idx)) < 0.006))
    if len(vi):
        rv_when = when[vi] + r.integers(20, 90, len(vi)) * DAY
        rv_era = via_era(rv_when, payer[vi])
        ev.remit(claim_id=cid[vi], payer_id=payer[vi], received_date=rv_when, claim_status_code="22",
                 charge_amount=-C[vi], paid_amount=-paid[vi], patient_responsibility=0, via_era=rv_era, _rk=rk + 20)
        ev.payment(claim_id=cid[vi], payer_id=payer[vi], payment_date=rv_when, amount=-paid[vi],
                   method=np.where(rv_era, "era", "paper"))
        ev.adjustment(claim_id=cid[vi], _line_no=None, _rk=rk + 20, adjustment_date=rv_when, group_code="CO",
                      reason_code="45", remark_code=None, amount=-co45[vi])
        fx_when = rv_when + r.integers(5, 25, len(vi)) * DAY
        new_paid = np.round(paid[vi] * 0.92).astype(np.int64)
        ev.remit(claim_id=cid[vi], payer_id=payer[vi], received_date=fx_when, claim_status_code="1",
                 charge_amount=C[vi], paid_amount=new_paid, patient_responsibility=pr[vi], via_era=via_era(fx_when, payer[vi]),
                 _rk=rk + 21)
        ev.payment(claim_id=cid[vi], payer_id=payer[vi], payment_date=fx_when, amount=new_paid,
                   method=np.where(via_era(fx_when, payer[vi]), "era", "paper"))
        ev.adjustment(claim_id=cid[vi], _line_no=None, _rk=rk + 21, adjustment_date=fx_when, group_code="CO",
                      reason_code="45", remark_code=None, amount=co45[vi] + paid[vi] - new_paid)
