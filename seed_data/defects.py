"""Migration defects planted in the demo, one kind for every check of MIGRATION_SPEC.md.

Two steps. ``choose_lost_records`` runs while the systems are split (truth ids): records the
conversion loses (patients, claims, authorizations, appointments), picked where nothing the new
system did later depends on them; a lost claim is then worked in the old system (run-off). Then
``plant_defects`` edits the canonical frames: changed birth dates and phone numbers, truncated
names, duplicates, balances and visit counts that differ, incomplete records, outdated coverage,
extra records, field mismatches on coverages, appointments, claims, payers and providers.

Each planted defect is returned with the findings migration-check must report for it. Counts scale
with the practice (one set per three locations).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seed_data.practice import rng_for
from seed_data.systems import Systems

DAY = pd.Timedelta(days=1)


def _scale(params) -> int:
    return max(1, params.locations // 3)


def _pick(rng: np.random.Generator, pool, k: int) -> list:
    pool = sorted(pool, key=_key_order)
    if not pool or k <= 0:
        return []
    idx = rng.choice(len(pool), size=min(k, len(pool)), replace=False)
    return [pool[i] for i in sorted(idx)]


def _key_order(k):
    s = str(k)
    return (0, int(s), "") if s.isdigit() else (1, 0, s)


def finding(check, table, system, key, field, severity) -> dict:
    return {"check": check, "table": table, "system": system, "key": str(key) if key is not None else None,
            "field": field, "severity": severity}


# ---------------------------------------------------------------------- step 1: lost records

def choose_lost_records(params, *, L_appt, L_claims, L_auth, scope_pat, scope_appt, scope_claims, scope_auth,
                        keep_pats, used_appts) -> dict[str, set]:
    """Truth ids of in-scope records the conversion loses."""
    s = _scale(params)
    rng = rng_for(params.seed, "defects-lost")
    C = pd.Timestamp(params.cut_over)
    recent = L_appt["scheduled_start"] >= C - pd.Timedelta(days=364)
    busy = (set(L_appt.loc[recent, "patient_id"]) | set(L_claims.loc[L_claims["claim_id"].isin(scope_claims), "patient_id"])
            | set(L_auth.loc[L_auth["authorization_id"].isin(scope_auth), "patient_id"]) | set(keep_pats))
    lost_pats = set(_pick(rng, scope_pat - busy, 2 * s))
    lost_claims = set(_pick(rng, scope_claims, 2 * s))
    lost_auth = set(_pick(rng, scope_auth, s))
    appt_pool = scope_appt - set(pd.Series(list(used_appts)).dropna().astype(np.int64))
    lost_appts = set(_pick(rng, appt_pool, 2 * s))
    return {"patients": lost_pats, "claims": lost_claims, "authorizations": lost_auth, "appointments": lost_appts}


# ---------------------------------------------------------------------- step 2: edits


class _Planter:
    def __init__(self, systems: Systems):
        self.s = systems
        self.L = systems.legacy
        self.N = systems.new
        self.p = systems.truth.params
        self.scale = _scale(self.p)
        self.planted: list[dict] = []
        self.used: dict[str, set] = {}
        self.G = systems.go_live
        self.C = systems.cut_over

    def rng(self, name):
        return rng_for(self.p.seed, "defects-" + name)

    def add(self, defect, table, system, key, findings, note=""):
        self.planted.append({"defect": defect, "table": table, "system": system, "key": str(key), "note": note,
                             "findings": findings})

    def twin_index(self, table) -> pd.Series:
        """legacy key -> index of the matching new row (lowest new key)."""
        n = self.N[table]
        n = n[n["legacy_id"].notna()]
        order = n.assign(_k=n[_keycol(table)].map(_key_order)).sort_values("_k", kind="stable")
        first = order.drop_duplicates("legacy_id", keep="first")
        return pd.Series(first.index, index=first["legacy_id"].to_numpy())

    def pool(self, table, extra_filter=None) -> list:
        """In-scope legacy keys with a new twin, not used by another defect yet."""
        twins = self.twin_index(table)
        scope = self.s.in_scope.get(table)
        keys = set(twins.index) if scope is None else set(twins.index) & scope
        keys -= self.used.setdefault(table, set())
        if extra_filter is not None:
            keys &= set(extra_filter)
        return sorted(keys, key=_key_order)

    def take(self, name, table, k, extra_filter=None) -> list:
        chosen = _pick(self.rng(name), self.pool(table, extra_filter), k)
        self.used.setdefault(table, set()).update(chosen)
        return chosen

    # ------------------------------------------------------------------ lost records (already removed)
    def lost(self):
        sev = {"patients": "blocker", "claims": "blocker", "authorizations": "blocker", "appointments": "warning"}
        cov = self.L["coverages"]
        scope_cov = self.s.in_scope["coverages"]
        for table, keys in self.s.lost.items():
            for key in sorted(keys, key=_key_order):
                found = [finding("missing_in_new", table, "legacy", key, None, sev[table])]
                note = "not converted"
                if table == "patients":
                    for ck in sorted(cov.loc[cov["patient_id"] == key, "coverage_id"], key=_key_order):
                        if ck in scope_cov:
                            found.append(finding("missing_in_new", "coverages", "legacy", ck, None, "warning"))
                    note = "patient not converted, so neither are their coverages"
                if table == "claims":
                    note = "open claim not converted; the old system keeps working it (run-off)"
                self.add("missing_record", table, "legacy", key, found, note)
                self.used.setdefault(table, set()).add(key)

    # ------------------------------------------------------------------ patients
    def patients(self):
        s = self.scale
        L, N = self.L["patients"], self.N["patients"]
        tw = self.twin_index("patients")
        for key in self.take("birth", "patients", 2 * s):
            i = tw[key]
            bd = pd.Timestamp(N.at[i, "birth_date"])
            new = bd.replace(month=bd.day, day=bd.month) if bd.day <= 12 and bd.day != bd.month else bd + DAY
            N.at[i, "birth_date"] = new
            self.add("changed_birth_date", "patients", "new", N.at[i, "patient_id"],
                     [finding("field_mismatch", "patients", "legacy", key, "birth_date", "blocker")],
                     "day and month swapped by the conversion" if new.day != (bd + DAY).day else "off by one day")
        for j, key in enumerate(self.take("phone", "patients", 3 * s)):
            i = tw[key]
            digits = "".join(c for c in str(N.at[i, "phone"]) if c.isdigit())
            if j % 3 == 2:
                N.at[i, "phone"] = "+1 " + N.at[i, "phone"]
                note = "country code added: the digits differ"
            else:
                d = list(digits)
                pos = 6 + j % 3
                if d[pos] == d[pos + 1]:
                    d[pos + 1] = str((int(d[pos + 1]) + 1) % 10)
                else:
                    d[pos], d[pos + 1] = d[pos + 1], d[pos]
                new = "".join(d)
                N.at[i, "phone"] = f"({new[:3]}) {new[3:6]}-{new[6:]}"
                note = "two digits transposed"
            self.add("changed_phone", "patients", "new", N.at[i, "patient_id"],
                     [finding("field_mismatch", "patients", "legacy", key, "phone", "warning")], note)
        long_last = set(L.loc[L["last_name"].astype(str).str.len() > 10, "patient_id"])
        chosen = self.take("trunc", "patients", 3 * s, long_last)
        field = "last_name"
        if len(chosen) < 3 * s:
            chosen += self.take("trunc-first", "patients", 3 * s - len(chosen),
                                set(L.loc[L["first_name"].astype(str).str.len() > 7, "patient_id"]))
        for key in chosen:
            i = tw[key]
            field = "last_name" if len(str(N.at[i, "last_name"])) > 10 else "first_name"
            width = 10 if field == "last_name" else 7
            N.at[i, field] = str(N.at[i, field])[:width]
            self.add("truncated_name", "patients", "new", N.at[i, "patient_id"],
                     [finding("field_mismatch", "patients", "legacy", key, field, "warning")],
                     f"{field} cut to {width} characters")

    def incomplete(self):
        s = self.scale
        L, N = self.L["patients"], self.N["patients"]
        tw = self.twin_index("patients")
        lidx = pd.Series(L.index, index=L["patient_id"].to_numpy())
        kinds = [("birth_date", ["birth_date"]), ("phone", ["phone", "email"]), ("address_line", ["address_line"]),
                 ("city", ["city"]), ("postal_code", ["postal_code"])]
        for field, cols in kinds:
            for key in self.take("incomplete-" + field, "patients", s):
                li, ni = lidx[key], tw[key]
                for col in cols:
                    blank = "" if col == "postal_code" else None
                    L.at[li, col] = blank
                    N.at[ni, col] = None
                    if col == "phone":
                        L.at[li, "_cell_phone"] = None
                        L.at[li, "_home_phone"] = None
                    if col == "address_line":
                        L.at[li, "_addr1"] = None
                        L.at[li, "_addr2"] = None
                self.add("incomplete_record", "patients", "legacy", key,
                         [finding("incomplete_record", "patients", "legacy", key, field, "warning")],
                         "left blank in the old system (blank string)" if field == "postal_code" else
                         f"{' and '.join(cols)} missing in both systems")
        cov, ncov = self.L["coverages"], self.N["coverages"]
        ctw = self.twin_index("coverages")
        cidx = pd.Series(cov.index, index=cov["coverage_id"].to_numpy())
        for key in self.take("incomplete-member", "coverages", s):
            cov.at[cidx[key], "member_id"] = None
            ncov.at[ctw[key], "member_id"] = None
            self.add("incomplete_record", "coverages", "legacy", key,
                     [finding("incomplete_record", "coverages", "legacy", key, "member_id", "warning")],
                     "policy number missing in both systems")

    def outdated(self):
        """Coverage that ended long ago, a verification more than a year old, no primary coverage."""
        s = self.scale
        L_appt, cov, ncov = self.L["appointments"], self.L["coverages"], self.N["coverages"]
        G = self.G
        seen = set(L_appt.loc[L_appt["scheduled_start"] >= G - pd.Timedelta(days=90), "patient_id"])
        ctw = self.twin_index("coverages")
        prim = cov[cov["priority"] == 1]
        latest = prim.assign(_k=prim["coverage_id"].map(_key_order)).sort_values(["start_date", "_k"]).groupby(
            "patient_id").tail(1).set_index("patient_id")
        n_prim = prim.groupby("patient_id").size()

        lt = latest[(latest["start_date"] < G - pd.Timedelta(days=430)) & latest["end_date"].isna()]
        ok = {k for k in lt.index if k in seen and n_prim.get(k, 0) == 1}
        for j, key in enumerate(self.take("outdated", "patients", 3 * s, ok)):
            ck = latest.at[key, "coverage_id"]
            ci = cov.index[cov["coverage_id"] == ck][0]
            ni = ctw.get(ck)
            kind = j % 3
            if kind == 0:
                end = G - pd.Timedelta(days=400)
                cov.at[ci, "end_date"] = end
                if ni is not None:
                    ncov.at[ni, "end_date"] = end
                self.add("outdated_coverage", "coverages", "legacy", key,
                         [finding("outdated_coverage", "coverages", "legacy", key, "end_date", "warning")],
                         f"primary coverage {ck} ended over a year before go-live, patient still seen")
                self.used.setdefault("coverages", set()).add(ck)
            elif kind == 1:
                stale = (G - pd.Timedelta(days=520)).replace(hour=10)
                cov.at[ci, "verified_at"] = stale
                if ni is not None:
                    ncov.at[ni, "verified_at"] = stale
                self.add("outdated_coverage", "coverages", "legacy", key,
                         [finding("outdated_coverage", "coverages", "legacy", key, "verified_at", "warning")],
                         f"coverage {ck} last verified more than a year before go-live")
            else:
                cov.at[ci, "priority"] = 2
                if ni is not None:
                    ncov.at[ni, "priority"] = 2
                self.add("outdated_coverage", "coverages", "legacy", key,
                         [finding("outdated_coverage", "coverages", "legacy", key, "coverage", "warning")],
                         f"coverage {ck} entered as secondary: no primary coverage")
                self.used.setdefault("coverages", set()).add(ck)

    def duplicates(self):
        s = self.scale
        L, N = self.L["patients"], self.N["patients"]
        rng = self.rng("duplicates")
        tw = self.twin_index("patients")
        lidx = pd.Series(L.index, index=L["patient_id"].to_numpy())
        next_legacy = max(int(k) for k in L["patient_id"]) + 1
        # the same person registered twice in the old system (the second record never used)
        for j, key in enumerate(self.take("dup-legacy", "patients", 2 * s)):
            row = L.loc[lidx[key]].copy()
            new_key = str(next_legacy)
            next_legacy += 1
            row["patient_id"] = new_key
            row["created_at"] = min(pd.Timestamp(row["created_at"]) + pd.Timedelta(days=int(rng.integers(30, 300))),
                                    min(self.C, self.s.today) - pd.Timedelta(hours=30))
            if j % 2 == 0:  # same name typed with extra spaces, another phone
                row["first_name"] = " " + str(row["first_name"]).lower() + " "
                row["phone"] = row["_home_phone"] = str(rng.integers(2012000000, 9899999999))
                row["_cell_phone"] = None
            else:  # a nickname, same phone
                row["first_name"] = str(row["first_name"])[:3].upper() + "IE"
            L.loc[len(L) + 10_000_000] = row
            pair = "|".join(sorted([key, new_key], key=_key_order))
            self.add("duplicate_patient", "patients", "legacy", pair,
                     [finding("duplicate_patient", "patients", "legacy", pair, None, "warning")],
                     "registered twice in the old system")
        self.L["patients"] = L.reset_index(drop=True)
        next_new = max(int(k) for k in N["patient_id"]) + 1
        for j, key in enumerate(self.take("dup-new", "patients", 2 * s)):
            row = N.loc[tw[key]].copy()
            new_key = str(next_new)
            next_new += 1
            row["patient_id"] = new_key
            if j % 2 == 0:
                row["legacy_id"] = None
                row["_native"] = True
                row["created_at"] = min(self.G, self.s.today) + pd.Timedelta(hours=9 + j)
                note = "registered again at the front desk after go-live"
            else:
                note = "converted twice (both copies carry the legacy key; the lower key is the match)"
            N.loc[len(N) + 10_000_000] = row
            pair = "|".join(sorted([N.at[tw[key], "patient_id"], new_key], key=_key_order))
            self.add("duplicate_patient", "patients", "new", pair,
                     [finding("duplicate_patient", "patients", "new", pair, None, "warning")], note)
        self.N["patients"] = N.reset_index(drop=True)

    def extra(self):
        s = self.scale
        N = self.N["patients"]
        rng = self.rng("extra")
        L = self.L["patients"]
        max_legacy = max(int(k) for k in L["patient_id"])
        next_new = max(int(k) for k in N["patient_id"]) + 1
        proto = N[N["legacy_id"].notna()].iloc[0]
        first = ["Testpatient", "Zzdemo", "Conversion", "Sample"]
        for j in range(2 * s):
            row = proto.copy()
            row["patient_id"] = str(next_new + j)
            row["legacy_id"] = str(max_legacy + 1000 + 7 * j)
            row["first_name"] = first[j % len(first)]
            row["last_name"] = "Record" + str(j + 1)
            row["birth_date"] = pd.Timestamp("1950-01-01") + pd.Timedelta(days=int(rng.integers(0, 18000)))
            row["phone"] = None
            row["email"] = None
            N.loc[len(N) + 20_000_000] = row
            self.add("extra_record", "patients", "new", row["patient_id"],
                     [finding("extra_in_new", "patients", "new", row["patient_id"], None, "warning")],
                     f"test record from the vendor's conversion run, legacy_id {row['legacy_id']} names no patient")
        self.N["patients"] = N.reset_index(drop=True)
        A = self.N["appointments"]
        la = self.L["appointments"]
        max_legacy_appt = max(int(k) for k in la["appointment_id"])
        next_appt = max(int(k) for k in A["appointment_id"]) + 1
        migrated = A[A["legacy_id"].notna()]
        for j in range(s):
            row = migrated.iloc[int(rng.integers(0, len(migrated)))].copy()
            row["appointment_id"] = str(next_appt + j)
            row["legacy_id"] = str(max_legacy_appt + 5000 + j)
            row["status"] = "cancelled"
            row["cancelled_at"] = pd.Timestamp(row["scheduled_start"]) - pd.Timedelta(hours=30)
            A.loc[len(A) + 20_000_000] = row
            self.add("extra_record", "appointments", "new", row["appointment_id"],
                     [finding("extra_in_new", "appointments", "new", row["appointment_id"], None, "warning")],
                     f"legacy_id {row['legacy_id']} names no appointment")
        self.N["appointments"] = A.reset_index(drop=True)

    # ------------------------------------------------------------------ coverages, appointments, claims
    def coverage_fields(self):
        s = self.scale
        ncov = self.N["coverages"]
        tw = self.twin_index("coverages")
        payers = self.N["payers"]
        for key in self.take("member", "coverages", s):
            i = tw[key]
            ncov.at[i, "member_id"] = str(ncov.at[i, "member_id"])[:-2]
            self.add("field_mismatch", "coverages", "new", ncov.at[i, "coverage_id"],
                     [finding("field_mismatch", "coverages", "legacy", key, "member_id", "blocker")],
                     "last two characters of the policy number lost")
        for key in self.take("cov-payer", "coverages", s):
            i = tw[key]
            current = ncov.at[i, "payer_id"]
            others = sorted(set(payers["payer_id"]) - {current}, key=_key_order)
            ncov.at[i, "payer_id"] = others[0]
            self.add("field_mismatch", "coverages", "new", ncov.at[i, "coverage_id"],
                     [finding("field_mismatch", "coverages", "legacy", key, "payer_id", "warning")],
                     "mapped to the wrong insurance carrier")
        for key in self.take("cov-start", "coverages", s):
            i = tw[key]
            ncov.at[i, "start_date"] = pd.Timestamp(ncov.at[i, "start_date"]) + pd.Timedelta(days=31)
            self.add("field_mismatch", "coverages", "new", ncov.at[i, "coverage_id"],
                     [finding("field_mismatch", "coverages", "legacy", key, "start_date", "warning")],
                     "effective date moved by a month")

    def appointment_fields(self):
        s = self.scale
        A = self.N["appointments"]
        tw = self.twin_index("appointments")
        la = self.L["appointments"]
        before_g = set(la.loc[la["scheduled_start"] < self.G, "appointment_id"])
        for key in self.take("appt-time", "appointments", 2 * s, before_g):
            i = tw[key]
            A.at[i, "scheduled_start"] = pd.Timestamp(A.at[i, "scheduled_start"]) + pd.Timedelta(hours=1)
            self.add("field_mismatch", "appointments", "new", A.at[i, "appointment_id"],
                     [finding("field_mismatch", "appointments", "legacy", key, "scheduled_start", "warning")],
                     "start moved one hour (time zone handled twice)")
        for key in self.take("appt-dur", "appointments", s):
            i = tw[key]
            A.at[i, "duration_minutes"] = int(A.at[i, "duration_minutes"]) + 15
            self.add("field_mismatch", "appointments", "new", A.at[i, "appointment_id"],
                     [finding("field_mismatch", "appointments", "legacy", key, "duration_minutes", "warning")],
                     "length changed to the appointment type's default")
        done = before_g & set(la.loc[la["status"] == "completed", "appointment_id"])
        for key in self.take("appt-status", "appointments", s, done):
            i = tw[key]
            A.at[i, "status"] = "no_show"
            self.add("field_mismatch", "appointments", "new", A.at[i, "appointment_id"],
                     [finding("field_mismatch", "appointments", "legacy", key, "status", "warning")],
                     "completed visit converted as a no-show")

    def claims(self):
        s = self.scale
        C = self.C
        claims, pays, adjs = self.N["claims"], self.N["payments"], self.N["adjustments"]
        tw = self.twin_index("claims")
        mig_pay = pays[pays["legacy_id"].notna() & (pays["amount"] > 0)]
        with_pay = set(mig_pay["claim_id"])
        new_key = pd.Series(claims["claim_id"].to_numpy(), index=claims.index)
        has_pay = {k for k, i in tw.items() if new_key[i] in with_pay}
        for j, key in enumerate(self.take("balance", "claims", 3 * s, has_pay)):
            ck = new_key[tw[key]]
            rows = pays.index[(pays["claim_id"] == ck) & pays["legacy_id"].notna() & (pays["payment_date"] <= C)
                              & (pays["amount"] > 0)]
            if j % 3 == 0:
                pays.drop(index=rows[:1], inplace=True)
                note = "a posted payment was not converted"
            elif j % 3 == 1:
                pays.at[rows[0], "amount"] = int(pays.at[rows[0], "amount"]) - 1000
                note = "a payment converted 10.00 short"
            else:
                row = adjs.loc[adjs.index[adjs["legacy_id"].notna()][0]].copy()
                row["adjustment_id"] = str(max(int(k) for k in adjs["adjustment_id"]) + 1)
                row["claim_id"] = ck
                row["legacy_id"] = None
                row["claim_line_id"] = None
                row["remit_id"] = None
                row["group_code"], row["reason_code"], row["remark_code"] = "CO", "45", None
                row["amount"] = 1234
                row["adjustment_date"] = min(C, self.s.today) - pd.Timedelta(days=3)
                adjs.loc[len(adjs) + 30_000_000] = row
                note = "a contractual adjustment posted twice"
            self.add("ar_balance_mismatch", "claims", "new", ck,
                     [finding("ar_balance_mismatch", "claims", "legacy", key, "balance", "blocker")], note)
        for key in self.take("charge", "claims", s):
            i = tw[key]
            claims.at[i, "total_charge"] = int(claims.at[i, "total_charge"]) + 2500
            self.add("field_mismatch", "claims", "new", claims.at[i, "claim_id"],
                     [finding("field_mismatch", "claims", "legacy", key, "total_charge", "warning"),
                      finding("ar_balance_mismatch", "claims", "legacy", key, "balance", "blocker")],
                     "a 25.00 line charged twice in the converted total")
        self.N["payments"] = pays.reset_index(drop=True)
        self.N["adjustments"] = adjs.reset_index(drop=True)

    def authorizations(self):
        s = self.scale
        A = self.N["authorizations"]
        tw = self.twin_index("authorizations")

        def room(extra):
            la = self.L["authorizations"]
            ok = set(la.loc[(la["status"] == "approved") & la["visits_authorized"].notna(), "authorization_id"])
            rem = (A["visits_authorized"].astype("Float64") - A["visits_used"].astype("Float64")).fillna(-1)
            roomy = set(A.loc[(rem > extra).to_numpy(), "legacy_id"].dropna())
            return ok & roomy & set(tw.index)
        for key in self.take("visits", "authorizations", 2 * s, room(3)):
            i = tw[key]
            A.at[i, "visits_used"] = int(A.at[i, "visits_used"]) + 2
            self.add("authorization_visits_mismatch", "authorizations", "new", A.at[i, "authorization_id"],
                     [finding("authorization_visits_mismatch", "authorizations", "legacy", key, "visits_remaining",
                              "blocker")], "two visits counted twice in the converted count")
        for key in self.take("visits-auth", "authorizations", s, room(0)):
            i = tw[key]
            A.at[i, "visits_authorized"] = int(A.at[i, "visits_authorized"]) + 4
            self.add("field_mismatch", "authorizations", "new", A.at[i, "authorization_id"],
                     [finding("field_mismatch", "authorizations", "legacy", key, "visits_authorized", "warning"),
                      finding("authorization_visits_mismatch", "authorizations", "legacy", key, "visits_remaining",
                              "blocker")], "authorized visits typed from the request, not the approval")

    def master_data(self):
        payers = self.N["payers"]
        i = payers.index[payers["name"] == "Blue Cross Blue Shield"]
        if len(i):
            legacy_key = payers.at[i[0], "legacy_id"]
            payers.at[i[0], "name"] = "BCBS"
            self.add("field_mismatch", "payers", "new", payers.at[i[0], "payer_id"],
                     [finding("field_mismatch", "payers", "legacy", legacy_key, "name", "warning")],
                     "carrier renamed during set-up")
        prov = self.N["providers"]
        j = len(prov) // 2
        npi = str(prov.at[j, "npi"])
        prov.at[j, "npi"] = npi[:-1] + str((int(npi[-1]) + 1) % 10)
        self.add("field_mismatch", "providers", "new", prov.at[j, "provider_id"],
                 [finding("field_mismatch", "providers", "legacy", prov.at[j, "legacy_id"], "npi", "warning")],
                 "NPI typed with a wrong check digit")

    def booked_in_old_system(self):
        """Visits booked in the old system after scheduling moved to the new one: never converted."""
        s = self.scale
        la = self.L["appointments"]
        rng = self.rng("late-booking")
        anchor = min(self.C, self.s.today)
        recent = la[(la["scheduled_start"] >= anchor - pd.Timedelta(days=20)) & (la["status"] == "completed")]
        next_key = max(int(k) for k in la["appointment_id"]) + 1
        for j in range(2 * s):
            row = recent.iloc[int(rng.integers(0, len(recent)))].copy()
            row["appointment_id"] = str(next_key + j)
            row["scheduled_start"] = pd.Timestamp(row["scheduled_start"]) + pd.Timedelta(days=int(7 + 7 * (j % 2)))
            row["status"] = "scheduled"
            row["cancelled_at"] = pd.NaT
            row["created_at"] = anchor.replace(hour=15) - pd.Timedelta(days=2)
            row["appointment_type"] = "follow_up"
            la.loc[len(la) + 40_000_000] = row
            key = row["appointment_id"]
            self.add("missing_record", "appointments", "legacy", key,
                     [finding("missing_in_new", "appointments", "legacy", key, None, "warning")],
                     "booked in the old system after bookings moved to the new one")
        self.L["appointments"] = la.reset_index(drop=True)


def _keycol(table: str) -> str:
    from seed_data.systems import KEYS

    return KEYS[table]


def plant_defects(systems: Systems) -> list[dict]:
    """Edit both systems' canonical frames; returns the planted defects with their expected findings."""
    p = _Planter(systems)
    p.lost()
    p.patients()
    p.incomplete()
    p.outdated()
    p.duplicates()
    p.extra()
    p.coverage_fields()
    p.appointment_fields()
    p.claims()
    p.authorizations()
    p.master_data()
    p.booked_in_old_system()
    return p.planted
