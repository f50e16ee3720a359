"""Split the practice's truth into what each PMS holds, in canonical form, with the migration between.

Legacy: the system of record before go-live (and, after it, the run-off of legacy claims that were
not migrated). New: the migrated records (``legacy_id`` set) as of the cut-over day C = go_live - 1
(the trial migration as of today in the "before" moment), plus its own work from go-live on.

What migrates follows MIGRATION_SPEC.md's scope exactly, so a clean migration gives no finding;
``seed_data.defects`` then plants the defects. Frames here use canonical column names; keys are
strings; references are keys of the same system.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from seed_data.practice import Truth

DAY = np.timedelta64(1, "D")

# Legacy key = truth id + offset (locations and payers have text codes); new keys start elsewhere.
LEGACY_OFFSET = {"providers": 100, "patients": 10000, "coverages": 30000, "referrals": 50000,
                 "authorizations": 7000, "appointments": 100000, "notes": 100000, "claims": 40000,
                 "claim_lines": 0, "remits": 60000, "payments": 80000, "adjustments": 90000}
NEW_START = {"locations": 11, "providers": 501, "payers": 9001, "patients": 200001, "coverages": 300001,
             "referrals": 400001, "authorizations": 500001, "appointments": 1000001, "notes": 3000001,
             "claims": 5000001, "claim_lines": 7000001, "remits": 8000001, "payments": 9000001,
             "adjustments": 11000001}
KEYS = {"locations": "location_id", "providers": "provider_id", "payers": "payer_id", "patients": "patient_id",
        "coverages": "coverage_id", "referrals": "referral_id", "authorizations": "authorization_id",
        "appointments": "appointment_id", "notes": "note_id", "claims": "claim_id", "claim_lines": "claim_line_id",
        "remits": "remit_id", "payments": "payment_id", "adjustments": "adjustment_id"}
# reference column -> referenced table
REFS = {"location_id": "locations", "provider_id": "providers", "payer_id": "payers", "patient_id": "patients",
        "rendering_provider_id": "providers", "appointment_id": "appointments", "claim_id": "claims",
        "claim_line_id": "claim_lines", "remit_id": "remits"}


@dataclass
class Systems:
    """Both systems in canonical form, plus what the defect planting and the manifest need."""

    legacy: dict[str, pd.DataFrame]
    new: dict[str, pd.DataFrame]
    truth: Truth
    go_live: pd.Timestamp
    cut_over: pd.Timestamp
    today: pd.Timestamp
    run_off_classes: tuple[str, ...] = ()
    in_scope: dict[str, set] = field(default_factory=dict)  # legacy keys in migration scope
    native_patients: set = field(default_factory=set)  # new patient keys created in the new system
    new_activity_patients: set = field(default_factory=set)  # legacy patient keys with new-system activity
    new_referenced: dict[str, set] = field(default_factory=dict)  # legacy keys the new system's own rows use
    lost: dict[str, set] = field(default_factory=dict)  # legacy keys the conversion lost (planted)


def legacy_key(table: str, ids) -> np.ndarray:
    ids = np.asarray(ids)
    if table == "locations":
        return np.array([f"L{int(i):02d}" for i in ids], dtype=object)
    return (ids.astype(np.int64) + LEGACY_OFFSET[table]).astype(str).astype(object)


def _ts(day) -> pd.Timestamp:
    return pd.Timestamp(str(day))


def build_systems(truth: Truth) -> Systems:
    p = truth.params
    f = truth.frames
    G, T = _ts(truth.go_live), _ts(truth.today)
    C = G - pd.Timedelta(days=1)
    after = p.moment == "after"
    # the legacy system's "now": it stops at go-live in the after moment
    L_end = G if after else T + pd.Timedelta(days=1)   # exclusive bound for dated legacy rows
    run_off = tuple(p.extra.get("run_off_payer_classes", ()))
    payer_code = dict(zip(f["payers"]["payer_id"], f["payers"]["_code"], strict=True))
    payer_class = dict(zip(f["payers"]["payer_id"], f["payers"]["payer_class"], strict=True))

    # ------------------------------------------------------------------ legacy rows (truth ids)
    appts = f["appointments"]
    L_appt = appts[(appts["scheduled_start"] < G) & (appts["created_at"] < L_end)]
    L_notes = f["notes"][f["notes"]["visit_date"] < L_end]
    L_claims = f["claims"][f["claims"]["created_at"] < L_end]
    L_refs = f["referrals"][f["referrals"]["received_at"] < L_end]
    pats = f["patients"]
    L_pats = pats[pats["created_at"] < L_end]
    auth = f["authorizations"].copy()
    # decisions on requests made before go-live arrive before go-live
    late = (auth["requested_at"] < G) & (auth["decided_at"] >= G)
    auth.loc[late, "decided_at"] = np.maximum(auth.loc[late, "requested_at"],
                                              G - pd.Timedelta(hours=2))
    L_auth = auth[auth["requested_at"] < L_end].copy()
    sched = f["provider_schedule"]
    L_sched = sched[sched["work_date"] <= C] if after else sched[sched["work_date"] <= C]

    # claim balance at C decides which legacy claims migrate
    pay, adj, rem = f["payments"], f["adjustments"], f["remits"]
    bal = _balance(L_claims, pay, adj, C)
    cls = L_claims["payer_id"].map(payer_class)
    open_at_c = L_claims.loc[(bal.reindex(L_claims["claim_id"]).to_numpy() > 0)
                             & (L_claims["created_at"].dt.normalize() <= C).to_numpy(), "claim_id"]
    run_off_all = "*" in run_off
    off_cls = cls[L_claims["claim_id"].isin(open_at_c)].isin(run_off) | run_off_all
    scope_claims = set(L_claims.loc[L_claims["claim_id"].isin(open_at_c), "claim_id"][~off_cls.to_numpy()])
    legacy_claim_ids = set(L_claims["claim_id"])

    L_lines = f["claim_lines"][f["claim_lines"]["claim_id"].isin(legacy_claim_ids)]
    L_cov = _coverage_snapshot(f["coverages"], L_pats, f["appointments"], L_end)
    L_auth = _auth_snapshot(L_auth, L_appt, L_end)
    fee = f["fee_schedule"]
    L_fee = fee[fee["effective_date"] <= C]

    # ------------------------------------------------------------------ migration scope (spec)
    appt_day = L_appt["scheduled_start"].dt.normalize()
    in_year = (appt_day >= C - pd.Timedelta(days=364)) & (appt_day <= C)
    after_c = (appt_day > C) & (L_appt["status"] == "scheduled")
    scope_appt = set(L_appt.loc[in_year | after_c, "appointment_id"])
    scope_auth = set(L_auth.loc[L_auth["status"].isin(["approved", "pending"])
                                & (L_auth["end_date"].isna() | (L_auth["end_date"] >= G)), "authorization_id"])
    two_years = (appt_day >= C - pd.Timedelta(days=729)) | (appt_day > C)
    scope_pat = (set(L_appt.loc[two_years, "patient_id"])
                 | set(L_claims.loc[L_claims["claim_id"].isin(scope_claims), "patient_id"])
                 | set(L_auth.loc[L_auth["authorization_id"].isin(scope_auth), "patient_id"]))
    scope_cov = set(L_cov.loc[L_cov["patient_id"].isin(scope_pat)
                              & (L_cov["end_date"].isna() | (L_cov["end_date"] >= G)), "coverage_id"])

    # what the new system's own work (from go-live on) touches
    N_appt_native = appts[(appts["scheduled_start"] >= G) & (appts["created_at"] <= T + pd.Timedelta(days=1))]
    N_notes_native = f["notes"][f["notes"]["visit_date"] >= G]
    N_claims_native = f["claims"][(f["claims"]["created_at"] >= G) & (f["claims"]["created_at"] < T + pd.Timedelta(days=1))]
    N_refs_native = f["referrals"][(f["referrals"]["received_at"] >= G) & (f["referrals"]["received_at"] < T + pd.Timedelta(days=1))]
    N_auth_native = auth[(auth["requested_at"] >= G) & (auth["requested_at"] < T + pd.Timedelta(days=1))]
    active_new = (set(N_appt_native["patient_id"]) | set(N_claims_native["patient_id"])
                  | set(N_refs_native["patient_id"]) | set(N_auth_native["patient_id"]))
    legacy_pat_ids = set(L_pats["patient_id"])
    recent_ref = set(L_refs.loc[L_refs["received_at"] >= C - pd.Timedelta(days=60), "patient_id"])
    mig_pats = scope_pat | (recent_ref & legacy_pat_ids) | (active_new & legacy_pat_ids)

    # records the conversion loses (planted defects): chosen where nothing else depends on them
    lost = {"patients": set(), "claims": set(), "authorizations": set(), "appointments": set()}
    if p.plant_defects:
        from seed_data.defects import choose_lost_records

        nat_lines = f["claim_lines"][f["claim_lines"]["claim_id"].isin(set(N_claims_native["claim_id"]))]
        lost = choose_lost_records(
            p, L_appt=L_appt, L_claims=L_claims, L_auth=L_auth, scope_pat=scope_pat, scope_appt=scope_appt,
            scope_claims=scope_claims, scope_auth=scope_auth, keep_pats=(recent_ref | active_new),
            used_appts=set(nat_lines["appointment_id"]) | set(N_notes_native["appointment_id"]))
    mig_pats = mig_pats - lost["patients"]
    mig_claims = scope_claims - lost["claims"]

    def legacy_events(frame, date_col):
        mine = frame["claim_id"].isin(legacy_claim_ids)
        before = frame[date_col] < L_end
        run_off_rows = mine & ~frame["claim_id"].isin(mig_claims) & (frame[date_col] <= T)
        return frame[mine & (before | run_off_rows)]

    L_rem = legacy_events(rem, "received_date")
    L_pay = legacy_events(pay, "payment_date")
    L_adj = legacy_events(adj, "adjustment_date")
    mig_cov = set(L_cov.loc[L_cov["patient_id"].isin(mig_pats)
                            & (L_cov["end_date"].isna() | (L_cov["end_date"] >= G)), "coverage_id"])

    # ------------------------------------------------------------------ canonical legacy frames
    legacy = {
        "locations": _locations(f["locations"]),
        "providers": _providers(f["providers"], legacy=True),
        "payers": _payers(f["payers"], legacy=True),
        "patients": _patients(L_pats),
        "coverages": L_cov,
        "referrals": L_refs,
        "authorizations": L_auth,
        "provider_schedule": L_sched,
        "appointments": L_appt,
        "notes": L_notes,
        "claims": L_claims,
        "claim_lines": L_lines,
        "remits": L_rem,
        "payments": L_pay,
        "adjustments": L_adj,
        "fee_schedule": L_fee,
    }
    legacy = {t: _keyed_legacy(t, frame, payer_code) for t, frame in legacy.items()}

    # ------------------------------------------------------------------ new system (truth ids first)
    mig = {
        "patients": L_pats[L_pats["patient_id"].isin(mig_pats)],
        "coverages": L_cov[L_cov["coverage_id"].isin(mig_cov)],
        "authorizations": L_auth[L_auth["authorization_id"].isin(scope_auth - lost["authorizations"])],
        "appointments": L_appt[L_appt["appointment_id"].isin(scope_appt - lost["appointments"])],
        "claims": L_claims[L_claims["claim_id"].isin(mig_claims)],
    }
    mig["claim_lines"] = L_lines[L_lines["claim_id"].isin(mig_claims)]
    mig["payments"] = L_pay[L_pay["claim_id"].isin(mig_claims) & (L_pay["payment_date"] <= C)]
    mig["adjustments"] = L_adj[L_adj["claim_id"].isin(mig_claims) & (L_adj["adjustment_date"] <= C)].assign(
        remit_id=None)
    # native rows: the new system's own work from go-live (or its booking calendar) on
    native_pat_ids = (active_new - mig_pats)
    nat = {
        "patients": pats[pats["patient_id"].isin(native_pat_ids)],
        "referrals": N_refs_native,
        "authorizations": N_auth_native,
        "appointments": N_appt_native,
        "notes": N_notes_native,
        "claims": N_claims_native,
    }
    nat["claim_lines"] = f["claim_lines"][f["claim_lines"]["claim_id"].isin(set(N_claims_native["claim_id"]))]
    new_claim_ids = mig_claims | set(N_claims_native["claim_id"])

    def new_events(frame, date_col):
        return frame[frame["claim_id"].isin(new_claim_ids) & (frame[date_col] >= G) & (frame[date_col] <= T)]

    nat["remits"] = new_events(rem, "received_date")
    nat["payments"] = new_events(pay, "payment_date")
    nat["adjustments"] = new_events(adj, "adjustment_date")
    # coverages of native patients, and new coverages of migrated patients that began after go-live
    cov_all = _coverage_snapshot(f["coverages"], pats, f["appointments"], T + pd.Timedelta(days=1))
    nat["coverages"] = cov_all[(cov_all["patient_id"].isin(native_pat_ids))
                               | (cov_all["patient_id"].isin(mig_pats) & (cov_all["start_date"] >= G))]
    nat["coverages"] = nat["coverages"][~nat["coverages"]["coverage_id"].isin(mig_cov)]
    nat["provider_schedule"] = sched[sched["work_date"] >= G]
    nat["fee_schedule"] = fee[(fee["effective_date"] >= G) & (fee["effective_date"] <= T)]

    # visits used: migrated authorizations keep counting in the new system (capped at the authorized number)
    new_completed = N_appt_native[N_appt_native["status"] == "completed"]
    n_auth_mig = mig["authorizations"].copy()
    if len(n_auth_mig):
        extra = _visits_in_window(n_auth_mig, new_completed)
        counted = n_auth_mig["_count"].fillna(0).to_numpy() + extra
        n_auth_mig["visits_used"] = np.where(n_auth_mig["status"] == "approved",
                                             np.minimum(counted, n_auth_mig["visits_authorized"].fillna(0)), None)
    mig["authorizations"] = n_auth_mig
    nat["authorizations"] = _auth_snapshot(nat["authorizations"], new_completed, T + pd.Timedelta(days=1))

    new = _key_new(mig, nat, f, legacy, payer_code)
    systems = Systems(legacy=legacy, new=new, truth=truth, go_live=G, cut_over=C, today=T,
                      run_off_classes=run_off)
    systems.in_scope = {
        "patients": set(legacy_key("patients", list(scope_pat))),
        "coverages": set(legacy_key("coverages", list(scope_cov))),
        "authorizations": set(legacy_key("authorizations", list(scope_auth))),
        "appointments": set(legacy_key("appointments", list(scope_appt))),
        "claims": set(legacy_key("claims", list(scope_claims))),
    }
    systems.new_activity_patients = set(legacy_key("patients", list(active_new & legacy_pat_ids)))
    systems.new_referenced = {
        "appointments": set(legacy_key("appointments", list(
            set(nat["claim_lines"]["appointment_id"].dropna().astype(np.int64)) |
            set(nat["notes"]["appointment_id"].dropna().astype(np.int64))))),
        "claims": set(legacy_key("claims", list(
            set(nat["remits"]["claim_id"]) | set(nat["payments"]["claim_id"]) | set(nat["adjustments"]["claim_id"])))),
    }
    systems.lost = {t: set(legacy_key(t, list(ids))) for t, ids in lost.items()}
    objectify(systems.legacy)
    objectify(systems.new)
    return systems


def objectify(frames: dict[str, pd.DataFrame]) -> None:
    """Text columns as plain object columns (pandas 3 infers Arrow strings, slow for set lookups)."""
    for name, frame in frames.items():
        cols = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)
                and not pd.api.types.is_object_dtype(frame[c].dtype)]
        if cols:
            frames[name] = frame.astype({c: object for c in cols})
            for c in cols:
                frames[name][c] = frames[name][c].where(frames[name][c].notna(), None)


# ---------------------------------------------------------------------- helpers

def _balance(claims, payments, adjustments, day) -> pd.Series:
    """Balance in cents at the end of ``day`` (KPI_SPEC.md claim balance), by truth claim id."""
    paid = payments[payments["payment_date"] <= day].groupby("claim_id")["amount"].sum()
    adj = adjustments[(adjustments["adjustment_date"] <= day) & (adjustments["group_code"] != "PR")]
    adj = adj.groupby("claim_id")["amount"].sum()
    ids = claims["claim_id"]
    total = pd.Series(claims["total_charge"].to_numpy(), index=ids)
    return total - paid.reindex(ids).fillna(0).to_numpy() - adj.reindex(ids).fillna(0).to_numpy()


def _coverage_snapshot(cov, pats, appts, end) -> pd.DataFrame:
    """Coverages of these patients as a system saw them before ``end``: started by then, later changes
    unknown; verified at the start of the latest episode seen."""
    c = cov[cov["patient_id"].isin(set(pats["patient_id"])) & (cov["start_date"] < end)].copy()
    c.loc[c["end_date"] >= end, "end_date"] = pd.NaT
    evals = appts[(appts["appointment_type"] == "initial_eval") & (appts["scheduled_start"] < end)]
    last_eval = evals.groupby("_seg")["scheduled_start"].max()
    seg_first = c["_seg"].map(last_eval)
    # the same verification applies to a secondary coverage of the same segment
    verified = seg_first - pd.to_timedelta(c["coverage_id"] % 4, unit="D") - pd.Timedelta(hours=1)
    created = pats.set_index("patient_id")["created_at"].reindex(c["patient_id"]).to_numpy()
    c["verified_at"] = np.where(verified.isna(), created, verified)
    c["verified_at"] = pd.to_datetime(c["verified_at"]).dt.floor("min")
    return c


def _visits_in_window(auths, completed) -> np.ndarray:
    """Completed visits of each authorization's patient in its discipline within its dates."""
    a = auths[["authorization_id", "patient_id", "discipline", "start_date", "end_date"]]
    v = completed[["patient_id", "discipline", "scheduled_start"]]
    m = a.merge(v, on=["patient_id", "discipline"], how="inner")
    day = m["scheduled_start"].dt.normalize()
    m = m[(day >= m["start_date"]) & (m["end_date"].isna() | (day <= m["end_date"]))]
    counts = m.groupby("authorization_id").size()
    return counts.reindex(auths["authorization_id"]).fillna(0).to_numpy().astype(np.int64)


def _auth_snapshot(auth, appts, end) -> pd.DataFrame:
    """Status and visits used as a system saw them before ``end``."""
    a = auth.copy()
    pending = a["decided_at"] >= end
    a.loc[pending, "status"] = "pending"
    a.loc[pending, "decided_at"] = pd.NaT
    completed = appts[(appts["status"] == "completed") & (appts["scheduled_start"] < end)]
    a["_count"] = _visits_in_window(a, completed)
    approved = a["status"] == "approved"
    a["visits_authorized"] = a["visits_authorized"].where(approved | (a["status"] == "cancelled"))
    a["visits_used"] = np.where(approved, np.minimum(a["_count"], a["visits_authorized"].fillna(0)), np.nan)
    a.loc[a["status"] == "cancelled", "visits_used"] = 0
    a["visits_authorized"] = a["visits_authorized"].astype("Int64")
    a["visits_used"] = pd.array(a["visits_used"], dtype="Int64")
    return a


def _locations(loc):
    return loc[["location_id", "name", "state"]]


def _providers(prov, legacy):
    return prov[["provider_id", "name", "discipline", "credential", "location_id", "npi", "active", "first", "last"]]


def _payers(payers, legacy):
    out = payers[["payer_id", "name", "payer_class", "era_enrolled", "_code", "_era_new"]].copy()
    if not legacy:
        out["era_enrolled"] = out["_era_new"]
    return out


def _patients(p):
    return p


def _keyed_legacy(table, frame, payer_code) -> pd.DataFrame:
    """Truth ids -> legacy keys (strings), for the key and every reference."""
    out = frame.copy()
    for col in out.columns:
        ref = table if col == KEYS.get(table) else REFS.get(col)
        if ref is None:
            continue
        vals = out[col]
        if ref == "payers":
            out[col] = vals.map(payer_code).astype(object)
            continue
        mask = vals.notna().to_numpy()
        keyed = np.full(len(vals), None, dtype=object)
        if mask.any():
            keyed[mask] = legacy_key(ref, vals[mask].astype(np.int64))
        out[col] = keyed
    return out


def _key_new(mig, nat, f, legacy, payer_code) -> dict[str, pd.DataFrame]:
    """Give every new-system row its new key and legacy_id, and translate references to new keys."""
    new: dict[str, pd.DataFrame] = {}
    maps: dict[str, dict] = {}
    # master data: every location, provider and payer is migrated
    for table, frame in (("locations", _locations(f["locations"])), ("providers", _providers(f["providers"], False)),
                         ("payers", _payers(f["payers"], legacy=False))):
        key = KEYS[table]
        frame = frame.sort_values(key, kind="stable").copy()
        ids = frame[key].to_numpy()
        new_keys = np.arange(NEW_START[table], NEW_START[table] + len(frame))
        maps[table] = pd.Series(new_keys.astype(str).astype(object), index=ids)
        frame["legacy_id"] = [payer_code[i] for i in ids] if table == "payers" else legacy_key(table, ids)
        frame[KEYS[table]] = new_keys.astype(str)
        new[table] = frame
    order = ["patients", "coverages", "referrals", "authorizations", "appointments", "notes", "claims",
             "claim_lines", "remits", "payments", "adjustments"]
    for table in order:
        key = KEYS[table]
        m = mig.get(table)
        n = nat.get(table)
        parts = []
        if m is not None and len(m):
            m = m.copy()
            m["legacy_id"] = legacy_key(table, m[key].to_numpy())
            m["_native"] = False
            parts.append(m.sort_values(key, kind="stable"))
        if n is not None and len(n):
            n = n.copy()
            n["legacy_id"] = None
            n["_native"] = True
            parts.append(n.sort_values(key, kind="stable"))
        if not parts:
            new[table] = pd.DataFrame(columns=[key, "legacy_id"])
            maps[table] = (pd.Series(dtype=object), pd.Series(dtype=object))
            continue
        frame = pd.concat(parts, ignore_index=True)
        new_keys = np.arange(NEW_START[table], NEW_START[table] + len(frame)).astype(str).astype(object)
        # migrated copies of payments/adjustments and the new system's own ones share one key space;
        # a reference goes to the migrated row when there is one, else to the new system's own row
        native = frame["_native"].to_numpy()
        ids = frame[key].to_numpy().astype(np.int64)
        mig_map = pd.Series(new_keys[~native], index=ids[~native])
        nat_map = pd.Series(new_keys[native], index=ids[native])
        maps[table] = (mig_map, nat_map)
        frame[key] = new_keys
        new[table] = frame

    def resolve(table, truth_ids):
        ids = pd.Series(truth_ids)
        if table in ("locations", "providers", "payers"):
            return ids.map(maps[table]).astype(object).where(ids.notna(), None).to_numpy()
        mig_map, nat_map = maps[table]
        mask = ids.notna().to_numpy()
        out = np.full(len(ids), None, dtype=object)
        if mask.any():
            keys = ids[mask].astype(np.int64).to_numpy()
            a = mig_map.reindex(keys).to_numpy(dtype=object)
            b = nat_map.reindex(keys).to_numpy(dtype=object)
            a = np.where(pd.isna(a), b, a)
            out[mask] = np.where(pd.isna(a), None, a)
        return out

    for table, frame in new.items():
        for col in list(frame.columns):
            ref = REFS.get(col)
            if ref is None or col == KEYS.get(table):
                continue
            frame[col] = resolve(ref, frame[col])
    new["provider_schedule"] = nat["provider_schedule"].assign(
        provider_id=lambda d: resolve("providers", d["provider_id"]),
        location_id=lambda d: resolve("locations", d["location_id"]))
    new["fee_schedule"] = _new_fee(legacy, nat, payer_code, resolve)
    return new


def _new_fee(legacy, nat, payer_code, resolve) -> pd.DataFrame:
    """Current contracted rates migrated (latest effective row per payer and code), plus later ones."""
    lf = legacy["fee_schedule"]
    inv = {v: k for k, v in payer_code.items()}
    cur = lf.sort_values("effective_date").groupby(["payer_id", "cpt_code"], as_index=False).last()
    cur = cur.assign(payer_id=resolve("payers", [inv[c] for c in cur["payer_id"]]))
    later = nat["fee_schedule"].assign(payer_id=lambda d: resolve("payers", d["payer_id"]))
    return pd.concat([cur, later], ignore_index=True)
