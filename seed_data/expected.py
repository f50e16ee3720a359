"""The findings migration-check must report on a generated practice, computed from the rules of
MIGRATION_SPEC.md (scope, matching, normalization, key order) on the generator's canonical frames.

It is an independent reading of the spec, used to write the demo manifest: planted defects, and the
findings that arise naturally (duplicate patients, incomplete records, outdated coverage). Frames
hold canonical values except money, which is in integer cents (so "more than 0.005 apart" is
"at least one cent apart"). ``check_canonical`` takes warehouse-style frames (Decimal money).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from warehouse.schema import TABLES

SCOPE_TABLES = ("locations", "providers", "payers", "patients", "coverages", "authorizations", "appointments",
                "claims")
KEYS = {t: TABLES[t].key[0] for t in SCOPE_TABLES}
COMPARED = {
    "patients": ["first_name", "last_name", "birth_date", "sex", "phone", "email", "address_line", "city", "state",
                 "postal_code"],
    "coverages": ["patient_id", "payer_id", "member_id", "priority", "start_date", "end_date"],
    "authorizations": ["patient_id", "payer_id", "visits_authorized", "start_date", "end_date"],
    "appointments": ["patient_id", "provider_id", "location_id", "scheduled_start", "duration_minutes", "status"],
    "claims": ["patient_id", "payer_id", "total_charge", "service_date_from"],
    "providers": ["name", "discipline", "credential", "npi"],
    "payers": ["name", "payer_class"],
    "locations": ["name"],
}
REF = {"patient_id": "patients", "payer_id": "payers", "provider_id": "providers", "location_id": "locations"}
MISSING_BLOCKER = {"patients", "claims", "authorizations"}
FIELD_BLOCKER = {("patients", "birth_date"), ("coverages", "member_id")}
MONEY = {"total_charge", "charge_amount", "paid_amount", "patient_responsibility", "amount", "allowed_amount"}


def key_order(k):
    s = str(k)
    return (0, int(s), "") if s.isdigit() else (1, 0, s)


def _isnull(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v))


def norm_text(v):
    if _isnull(v):
        return None
    t = " ".join(str(v).split()).casefold()
    return t or None


def norm_phone(v):
    if _isnull(v):
        return None
    d = "".join(c for c in str(v) if c.isdigit())
    return d or None


def _norm(table: str, col: str, values: pd.Series) -> pd.Series:
    kind = TABLES[table].column(col).type
    if col == "phone":
        return values.map(norm_phone)
    if kind == "str":
        return values.map(norm_text)
    if kind == "date":
        return values.map(lambda v: None if _isnull(v) or (isinstance(v, str) and not v.strip())
                          else pd.Timestamp(v).normalize())
    if kind == "timestamp":
        return values.map(lambda v: None if _isnull(v) else pd.Timestamp(v))
    if kind in ("int", "decimal"):
        return values.map(lambda v: None if _isnull(v) else int(v))
    if kind == "bool":
        return values.map(lambda v: None if _isnull(v) else bool(v))
    return values


def _raw(v):
    """A value as the JSON finding shows it."""
    if _isnull(v):
        return None
    if isinstance(v, pd.Timestamp | np.datetime64):
        t = pd.Timestamp(v)
        return t.date().isoformat() if t == t.normalize() else t.isoformat()
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def finding(check, table, system, key, field, severity, legacy=None, new=None) -> dict:
    return {"check": check, "table": table, "system": system, "key": None if key is None else str(key),
            "field": field, "severity": severity, "legacy": legacy, "new": new}


def balances(claims: pd.DataFrame, payments: pd.DataFrame, adjustments: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """Balance in cents at the end of ``day`` of the claims posted by then, by claim key."""
    c = claims[pd.to_datetime(claims["created_at"]).dt.normalize() <= day]
    paid = payments[pd.to_datetime(payments["payment_date"]) <= day].groupby("claim_id")["amount"].sum()
    adj = adjustments[(pd.to_datetime(adjustments["adjustment_date"]) <= day) & (adjustments["group_code"] != "PR")]
    adj = adj.groupby("claim_id")["amount"].sum()
    ids = c["claim_id"].astype(object)
    total = pd.Series(c["total_charge"].astype(np.int64).to_numpy(), index=ids.to_numpy())
    return (total - paid.reindex(ids).fillna(0).astype(np.int64).to_numpy()
            - adj.reindex(ids).fillna(0).astype(np.int64).to_numpy())


def check(legacy: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame], go_live, run_off=()) -> list[dict]:
    """Every finding of MIGRATION_SPEC.md for two systems' canonical frames (money in cents)."""
    G = pd.Timestamp(go_live).normalize()
    C = G - pd.Timedelta(days=1)
    from seed_data.systems import objectify

    L = {t: legacy[t] for t in legacy}
    N = {t: new[t] for t in new}
    objectify(L)
    objectify(N)
    out: list[dict] = []

    # ---- scope (legacy data only)
    appt = L["appointments"]
    appt_day = pd.to_datetime(appt["scheduled_start"]).dt.normalize()
    bal_l = balances(L["claims"], L["payments"], L["adjustments"], C)
    payer_class = dict(zip(L["payers"]["payer_id"], L["payers"]["payer_class"], strict=True))
    claims = L["claims"].assign(_bal=L["claims"]["claim_id"].astype(object).map(bal_l))
    open_c = claims[claims["_bal"].notna() & (claims["_bal"] > 0)]
    off = open_c["payer_id"].map(payer_class).isin(run_off) | ("*" in run_off)
    scope = {
        "claims": set(open_c.loc[~off, "claim_id"]),
        "appointments": set(appt.loc[((appt_day >= C - pd.Timedelta(days=364)) & (appt_day <= C))
                                     | ((appt_day > C) & (appt["status"] == "scheduled")), "appointment_id"]),
    }
    auth = L["authorizations"]
    auth_end = pd.to_datetime(auth["end_date"])
    scope["authorizations"] = set(auth.loc[auth["status"].isin(["approved", "pending"])
                                           & (auth_end.isna() | (auth_end >= G)), "authorization_id"])
    scope["patients"] = (set(appt.loc[(appt_day >= C - pd.Timedelta(days=729)), "patient_id"])
                         | set(claims.loc[claims["claim_id"].isin(scope["claims"]), "patient_id"])
                         | set(auth.loc[auth["authorization_id"].isin(scope["authorizations"]), "patient_id"]))
    cov = L["coverages"]
    cov_end = pd.to_datetime(cov["end_date"])
    scope["coverages"] = set(cov.loc[cov["patient_id"].isin(scope["patients"]) & (cov_end.isna() | (cov_end >= G)),
                                     "coverage_id"])
    for t in ("locations", "providers", "payers"):
        scope[t] = set(L[t][KEYS[t]])

    # ---- matching through legacy_id: the lowest new key is the match
    match: dict[str, pd.Series] = {}
    for t in SCOPE_TABLES:
        key = KEYS[t]
        n = N[t]
        n = n[n["legacy_id"].map(lambda v: not _isnull(v))]
        legacy_keys = set(L[t][key].astype(object))
        named = n["legacy_id"].astype(object)
        for nk, lid in zip(n.loc[~named.isin(legacy_keys), key], named[~named.isin(legacy_keys)], strict=True):
            out.append(finding("extra_in_new", t, "new", nk, None, "warning", None, lid))
        n = n[named.isin(legacy_keys)]
        n = n.assign(_o=n[key].map(key_order)).sort_values("_o", kind="stable")
        first = n.drop_duplicates("legacy_id", keep="first")
        match[t] = pd.Series(first[key].astype(object).to_numpy(), index=first["legacy_id"].astype(object).to_numpy())

    # run-off claims with a twin (reported once, nothing else compared)
    bal_n = balances(N["claims"], N["payments"], N["adjustments"], C)
    for lk, b in zip(open_c.loc[off, "claim_id"], open_c.loc[off, "_bal"], strict=True):
        if str(lk) in match["claims"].index:
            nb = bal_n.get(match["claims"][str(lk)])
            out.append(finding("run_off_claim_in_new", "claims", "legacy", lk, None, "blocker", _cents(b),
                               None if nb is None else _cents(nb)))

    # ---- missing
    for t in SCOPE_TABLES:
        sev = "blocker" if t in MISSING_BLOCKER else "warning"
        for lk in sorted(scope[t], key=key_order):
            if str(lk) not in match[t].index:
                out.append(finding("missing_in_new", t, "legacy", lk, None, sev))

    # ---- field mismatches on matched, in-scope pairs
    legacy_id_of = {t: dict(zip(N[t][KEYS[t]].astype(object), N[t]["legacy_id"], strict=True)) for t in REF.values()}
    for t, fields in COMPARED.items():
        key = KEYS[t]
        lt = L[t][L[t][key].isin(scope[t])]
        lt = lt[lt[key].astype(object).isin(match[t].index)]
        if lt.empty:
            continue
        nt = N[t].set_index(N[t][key].astype(object))
        pair = nt.loc[match[t][lt[key].astype(object)].to_numpy()]
        pair.index = lt.index
        for col in fields:
            a_raw, b_raw = lt[col], pair[col]
            if col in REF:
                a = a_raw.map(lambda v: None if _isnull(v) else str(v))
                names = legacy_id_of[REF[col]]
                b = b_raw.map(lambda v, names=names: None if _isnull(v) else (
                    names.get(str(v)) if not _isnull(names.get(str(v))) else ("\x00" + str(v))))
            else:
                a, b = _norm(t, col, a_raw), _norm(t, col, b_raw)
            differ = [_differ(x, y) for x, y in zip(a.tolist(), b.tolist(), strict=True)]
            differ = pd.Series(differ, index=lt.index)
            if t == "appointments" and col == "status":
                differ &= pd.to_datetime(lt["scheduled_start"]).dt.normalize() < G
            sev = "blocker" if (t, col) in FIELD_BLOCKER else "warning"
            for i in lt.index[differ.to_numpy()]:
                lv, nv = a_raw[i], b_raw[i]
                if col in MONEY:
                    lv, nv = _cents(lv), _cents(nv)
                out.append(finding("field_mismatch", t, "legacy", lt.at[i, key], col, sev, _raw(lv), _raw(nv)))

    # ---- open AR at C
    lc = claims[claims["claim_id"].isin(scope["claims"]) & claims["claim_id"].astype(object).isin(match["claims"].index)]
    for lk, lb in zip(lc["claim_id"], lc["_bal"], strict=True):
        nk = match["claims"][str(lk)]
        nb = bal_n.get(nk, 0)
        if abs(int(lb) - int(nb)) >= 1:
            out.append(finding("ar_balance_mismatch", "claims", "legacy", lk, "balance", "blocker", _cents(lb),
                               _cents(nb)))

    # ---- remaining visits, net of the new system's own completed visits since go-live
    la = auth[auth["authorization_id"].isin(scope["authorizations"])
              & auth["authorization_id"].astype(object).isin(match["authorizations"].index)]
    if len(la):
        na = N["authorizations"].set_index(N["authorizations"]["authorization_id"].astype(object))
        nappt = N["appointments"]
        done = nappt[(nappt["status"] == "completed")
                     & (pd.to_datetime(nappt["scheduled_start"]).dt.normalize() >= G)]
        done = done.assign(_day=pd.to_datetime(done["scheduled_start"]).dt.normalize())
        by_patient = {k: g for k, g in done.groupby(done["patient_id"].astype(object))}
        for lk, l_auth, l_used in zip(la["authorization_id"], la["visits_authorized"], la["visits_used"], strict=True):
            nrow = na.loc[match["authorizations"][str(lk)]]
            legacy_rem = _int0(l_auth) - _int0(l_used)
            new_rem = _int0(nrow["visits_authorized"]) - _int0(nrow["visits_used"])
            visits = by_patient.get(str(nrow["patient_id"]))
            since = 0
            if visits is not None:
                m = pd.Series(True, index=visits.index)
                if not _isnull(nrow["start_date"]):
                    m &= visits["_day"] >= pd.Timestamp(nrow["start_date"])
                if not _isnull(nrow["end_date"]):
                    m &= visits["_day"] <= pd.Timestamp(nrow["end_date"])
                if not _isnull(nrow["discipline"]):
                    m &= visits["discipline"] == nrow["discipline"]
                since = int(m.sum())
            if new_rem == 0 and since >= legacy_rem:
                continue
            netted = new_rem + since
            if netted != legacy_rem:
                out.append(finding("authorization_visits_mismatch", "authorizations", "legacy", lk,
                                   "visits_remaining", "blocker", legacy_rem, netted))

    # ---- duplicate patients, in each system, among all patients
    for system, frames in (("legacy", L), ("new", N)):
        out.extend(_duplicates(frames["patients"], system))

    # ---- incomplete records (in-scope legacy)
    pats = L["patients"][L["patients"]["patient_id"].isin(scope["patients"])]
    for _, row in pats.iterrows():
        field = _first_missing(row)
        if field:
            out.append(finding("incomplete_record", "patients", "legacy", row["patient_id"], field, "warning"))
    scov = cov[cov["coverage_id"].isin(scope["coverages"])]
    for ck in scov.loc[scov["member_id"].map(norm_text).isna(), "coverage_id"]:
        out.append(finding("incomplete_record", "coverages", "legacy", ck, "member_id", "warning"))

    # ---- outdated coverage
    seen = set(appt.loc[appt_day >= G - pd.Timedelta(days=90), "patient_id"]) & scope["patients"]
    prim = cov[cov["priority"].map(lambda v: not _isnull(v) and int(v) == 1) & cov["patient_id"].isin(seen)]
    prim = prim.assign(_start=pd.to_datetime(prim["start_date"]).fillna(pd.Timestamp.min),
                       _o=prim["coverage_id"].map(key_order))
    latest = prim.sort_values(["_start", "_o"], kind="stable").groupby("patient_id").tail(1).set_index("patient_id")
    limit = G - pd.Timedelta(days=365)
    for pk in sorted(seen, key=key_order):
        if pk not in latest.index:
            out.append(finding("outdated_coverage", "coverages", "legacy", pk, "coverage", "warning"))
            continue
        row = latest.loc[pk]
        end, ver = row["end_date"], row["verified_at"]
        if not _isnull(end) and pd.Timestamp(end) < G:
            out.append(finding("outdated_coverage", "coverages", "legacy", pk, "end_date", "warning", _raw(end)))
        elif _isnull(ver) or pd.Timestamp(ver).normalize() < limit:
            out.append(finding("outdated_coverage", "coverages", "legacy", pk, "verified_at", "warning", _raw(ver)))
    return sorted(out, key=lambda f: (f["check"], f["table"], f["system"], key_order(f["key"]), f["field"] or ""))


def _differ(x, y) -> bool:
    """Null on both sides is equal; null on one side is a difference."""
    xn, yn = _isnull(x), _isnull(y)
    if xn or yn:
        return xn != yn
    return x != y


def _cents(v):
    return None if _isnull(v) else round(int(v) / 100.0, 2)


def _int0(v) -> int:
    return 0 if _isnull(v) else int(v)


def _first_missing(row) -> str | None:
    if _isnull(row["birth_date"]):
        return "birth_date"
    if norm_phone(row["phone"]) is None and norm_text(row["email"]) is None:
        return "phone"
    for col in ("address_line", "city", "state", "postal_code"):
        if norm_text(row[col]) is None:
            return col
    return None


def _duplicates(p: pd.DataFrame, system: str) -> list[dict]:
    q = pd.DataFrame({
        "key": p["patient_id"].astype(object).to_numpy(),
        "bd": _norm("patients", "birth_date", p["birth_date"]).to_numpy(),
        "last": p["last_name"].map(norm_text).to_numpy(),
        "first": p["first_name"].map(norm_text).to_numpy(),
        "phone": p["phone"].map(norm_phone).to_numpy(),
    })
    q = q[q["bd"].notna() & q["last"].notna()]
    m = q.merge(q, on=["bd", "last"], suffixes=("_a", "_b"))
    m = m[m["key_a"] != m["key_b"]]
    same_first = m["first_a"].notna() & m["first_b"].notna() & (m["first_a"] == m["first_b"])
    same_phone = m["phone_a"].notna() & m["phone_b"].notna() & (m["phone_a"] == m["phone_b"])
    m = m[same_first | same_phone]
    out = []
    for a, b in zip(m["key_a"], m["key_b"], strict=True):
        if key_order(a) < key_order(b):
            out.append(finding("duplicate_patient", "patients", system, f"{a}|{b}", None, "warning"))
    return out


def identity(f: dict) -> tuple:
    return (f["check"], f["table"], f["system"], f["key"], f["field"], f["severity"])


def expected_findings(systems) -> list[dict]:
    """The findings for a generated practice (frames straight from the generator)."""
    return check(systems.legacy, systems.new, systems.go_live, systems.run_off_classes)


def check_canonical(legacy: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame], go_live, run_off=()) -> list[dict]:
    """``check`` for warehouse-style frames whose money is Decimal."""
    def cents(frames):
        out = {}
        for t, f in frames.items():
            f = f.copy()
            for col in f.columns:
                if col in MONEY:
                    f[col] = f[col].map(lambda v: None if _isnull(v) else int((Decimal(str(v)) * 100).to_integral_value()))
            out[t] = f
        return out
    return check(cents(legacy), cents(new), go_live, run_off)
