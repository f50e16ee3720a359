"""The practice as it really happened: one timeline of patients, visits, notes, claims and money.

Everything is simulated once, for the whole period, independent of which system recorded it;
``seed_data.systems`` then splits this truth into what the legacy and the new PMS hold. Frames use
canonical column names; keys are integers, dates ``datetime64[D]``, timestamps ``datetime64[s]`` and
money integer cents. Helper columns start with an underscore.

Vectorised with numpy so 100 locations over three years stay feasible; every random draw comes from
a generator seeded by (seed, component), so the same parameters give the same practice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from seed_data import vocab
from seed_data.params import PracticeParams
from seed_data.timeline import VOLUME_BY_MONTH, d64, month_of, rate, us_holidays

DAY = np.timedelta64(1, "D")
SEC = np.timedelta64(1, "s")
MIN = np.timedelta64(60, "s")
HOUR = np.timedelta64(3600, "s")

VISITS_PER_PROVIDER_DAY = 9.6
MEAN_VISITS = {"PT": 10.0, "OT": 11.0, "SLP": 13.0}
THERAPIST = {"PT": "PT", "OT": "OT", "SLP": "SLP"}
ASSISTANT_OF = {"PTA": "PT", "COTA": "OT", "SLPA": "SLP"}
DISCIPLINE_OF = {"PT": "PT", "PTA": "PT", "OT": "OT", "COTA": "OT", "SLP": "SLP", "SLPA": "SLP"}
DISCIPLINES = ("PT", "OT", "SLP")
BASE_ROSTER = ["PT", "PTA", "OT", "SLP"]
EXTRA_ROSTER = ["PT", "COTA", "SLPA", "PT", "PTA", "OT", "PT", "SLP", "PTA", "COTA", "PT", "SLPA"]

# Denial reasons: (group, CARC, RARC, weight, full-claim denial?)
DENIALS = [
    ("CO", "197", "N54", 0.22, True),   # authorization absent
    ("CO", "16", "MA130", 0.16, True),  # missing information
    ("CO", "50", "N115", 0.12, False),  # not medically necessary (one line)
    ("PR", "27", "N30", 0.12, True),    # coverage ended
    ("CO", "29", None, 0.05, True),     # timely filing
    ("CO", "22", "MA04", 0.08, True),   # coordination of benefits
    ("CO", "B7", "N570", 0.06, True),   # provider not credentialed
    ("CO", "96", "N20", 0.07, False),   # non-covered charge
    ("CO", "4", "M20", 0.07, False),    # modifier inconsistent
    ("CO", "97", "M15", 0.05, False),   # bundled
]


def rng_for(seed: int, component: str) -> np.random.Generator:
    return np.random.default_rng([seed, *component.encode()])


@dataclass
class Truth:
    params: PracticeParams
    start: np.datetime64          # first day of legacy history
    go_live: np.datetime64
    today: np.datetime64
    horizon: np.datetime64        # last day with booked visits
    frames: dict[str, pd.DataFrame]
    payer_info: pd.DataFrame


def generate_truth(params: PracticeParams) -> Truth:
    p = params.resolved()
    go_live, today = d64(p.go_live), d64(p.today)
    start = (go_live.astype("datetime64[M]") - np.timedelta64(p.months, "M")).astype("datetime64[D]")
    start = max(start, go_live - 30 * p.months * DAY)
    horizon = today + 42 * DAY
    warm = start - 120 * DAY
    years = range(int(str(warm)[:4]), int(str(horizon)[:4]) + 2)
    cal = np.busdaycalendar(holidays=us_holidays(years.start, years.stop))
    sim = _Sim(p, start, go_live, today, horizon, warm, cal)
    frames = sim.run()
    return Truth(p, start, go_live, today, horizon, frames, sim.payers)


class _Sim:
    def __init__(self, p, start, go_live, today, horizon, warm, cal):
        self.p, self.start, self.go_live, self.today, self.horizon, self.warm, self.cal = (
            p, start, go_live, today, horizon, warm, cal)
        self.seed = p.seed
        self.f: dict[str, pd.DataFrame] = {}

    def rng(self, name: str) -> np.random.Generator:
        return rng_for(self.seed, name)

    def since(self, days64) -> np.ndarray:
        return (np.asarray(days64).astype("datetime64[D]") - self.go_live).astype(np.int64)

    # ------------------------------------------------------------------ structure
    def run(self) -> dict[str, pd.DataFrame]:
        self.locations()
        self.providers()
        self.payer_catalogue()
        self.schedule()
        self.episodes()
        self.patients()
        self.coverages()
        self.referrals()
        self.appointments()
        self.authorizations()
        self.notes()
        self.fee_schedule()
        self.claims()
        return self.f

    def locations(self):
        r = self.rng("locations")
        n = self.p.locations
        first = int(self.p.extra.get("location_offset", 0))  # a shard of a larger practice
        g = np.arange(first, first + n)
        region = (g // 8) % len(vocab.REGIONS)
        names, cities, states, zips, area = [], [], [], [], []
        seen = set()
        for i in range(n):
            state, city_list, codes = vocab.REGIONS[region[i]]
            city, zip3 = city_list[(g[i] + region[i]) % len(city_list)]
            name = f"{city} - {vocab.CLINIC_NAMES[g[i] % len(vocab.CLINIC_NAMES)]}"
            if g[i] >= len(vocab.CLINIC_NAMES) * len(city_list):
                name += f" {g[i] // (len(vocab.CLINIC_NAMES) * len(city_list)) + 1}"
            k = 2
            while name in seen:
                name = f"{city} - {vocab.CLINIC_NAMES[g[i] % len(vocab.CLINIC_NAMES)]} {k}"
                k += 1
            seen.add(name)
            names.append(name)
            cities.append(city)
            states.append(state)
            zips.append(zip3 + f"{r.integers(1, 99):02d}")
            area.append(codes[0])
        self.f["locations"] = pd.DataFrame({
            "location_id": np.arange(1, n + 1), "name": names, "state": states,
            "_city": cities, "_zip": zips, "_area": area, "_region": region})

    def providers(self):
        r = self.rng("providers")
        rows = []
        ppl = self.p.providers_per_location
        for loc in range(1, self.p.locations + 1):
            if ppl <= len(BASE_ROSTER):
                creds = BASE_ROSTER[:ppl]
            else:
                off = ((loc - 1) * 2) % len(EXTRA_ROSTER)
                extra = (EXTRA_ROSTER[off:] + EXTRA_ROSTER[:off]) * (ppl // len(EXTRA_ROSTER) + 1)
                creds = BASE_ROSTER + extra[:ppl - len(BASE_ROSTER)]
            for c in creds:
                rows.append((loc, c))
        n = len(rows)
        sex = r.random(n) < 0.68
        first = np.where(sex, r.choice(vocab.FEMALE_FIRST, n, p=vocab.FEMALE_FIRST_P),
                         r.choice(vocab.MALE_FIRST, n, p=vocab.MALE_FIRST_P))
        last = r.choice(vocab.LAST, n, p=vocab.LAST_P)
        cred = np.array([c for _, c in rows], dtype=object)
        self.f["providers"] = pd.DataFrame({
            "provider_id": np.arange(1, n + 1),
            "first": first, "last": last,
            "name": [f"{a} {b}" for a, b in zip(first, last, strict=True)],
            "discipline": [DISCIPLINE_OF[c] for c in cred],
            "credential": cred,
            "location_id": np.array([loc for loc, _ in rows]),
            "npi": [_npi(x) for x in r.integers(100_000_000, 999_999_999, n)],
            "active": True,
            # provider differences: documentation speed, note lag, coding quality
            "_doc_mult": np.exp(r.normal(0, 0.22, n)),
            "_lag_mult": np.exp(r.normal(0, 0.45, n)),
            "_denial_mult": np.exp(r.normal(0, 0.25, n)),
            "_pn_interval": np.where(r.random(n) < 0.3, 12, 10),
        })

    def payer_catalogue(self):
        cols = ["code", "name", "payer_class", "era_legacy", "lag", "denial_mult", "allowed_share",
                "patient_share", "needs_auth"]
        payers = pd.DataFrame(vocab.PAYERS, columns=cols)
        payers["payer_id"] = np.arange(1, len(payers) + 1)
        # the new system's ERA enrolment (checked at the 60-day review): most payers by day 30
        payers["era_new"] = payers["payer_class"].isin(
            ["medicare", "medicare_advantage", "medicaid", "commercial", "other"]) & (payers["code"] != "VACCN")
        payers["era_new"] |= payers["code"].eq("WCLM1")
        self.payers = payers
        self.f["payers"] = pd.DataFrame({
            "payer_id": payers["payer_id"], "name": payers["name"], "payer_class": payers["payer_class"],
            "era_enrolled": payers["era_legacy"], "_code": payers["code"], "_era_new": payers["era_new"]})

    def schedule(self):
        r = self.rng("schedule")
        prov = self.f["providers"]
        days = np.arange(self.start, self.horizon + DAY, dtype="datetime64[D]")
        days = days[np.is_busday(days, busdaycal=self.cal)]
        pid = np.repeat(prov["provider_id"].to_numpy(), len(days))
        loc = np.repeat(prov["location_id"].to_numpy(), len(days))
        wd = np.tile(days, len(prov))
        u = r.random(len(wd))
        minutes = np.where(u < 0.07, 240, 480)
        keep = u > 0.025  # a day off now and then
        self.workdays = days
        self.f["provider_schedule"] = pd.DataFrame({
            "provider_id": pid[keep], "location_id": loc[keep], "work_date": wd[keep],
            "available_minutes": minutes[keep]})

    # ------------------------------------------------------------------ episodes of care
    def episodes(self):
        r = self.rng("episodes")
        prov = self.f["providers"]
        days = np.arange(self.warm, self.horizon + DAY, dtype="datetime64[D]")
        days = days[np.is_busday(days, busdaycal=self.cal)]
        w = VOLUME_BY_MONTH[month_of(days)]
        # around go-live the practice books like its baseline quarter (no seasonal swing), so the
        # schedule cut of the first two weeks shows as the cut itself
        near = (days >= self.go_live - 60 * DAY) & (days < self.go_live + 30 * DAY)
        base = (days >= self.go_live - 90 * DAY) & (days < self.go_live)
        w = np.where(near, w[base].mean() if base.any() else 1.0, w)
        w = w / w.sum()
        parts = []
        for (loc, disc), team in prov.groupby(["location_id", "discipline"], sort=True):
            therapists = team.loc[team["credential"] == THERAPIST[disc], "provider_id"].to_numpy()
            if len(therapists) == 0:
                continue
            lam = len(team) * VISITS_PER_PROVIDER_DAY / MEAN_VISITS[disc] * len(days)
            n = r.poisson(lam)
            parts.append(pd.DataFrame({
                "location_id": loc, "discipline": disc,
                "eval_day": np.sort(r.choice(days, n, p=w)),
                "therapist_id": r.choice(therapists, n)}))
        ep = pd.concat(parts, ignore_index=True).sort_values(["eval_day", "location_id", "discipline"],
                                                           kind="stable", ignore_index=True)
        n = len(ep)
        ep["episode_id"] = np.arange(n)
        disc = ep["discipline"].to_numpy()
        mean = np.array([MEAN_VISITS[d] for d in disc])
        # negative binomial number of visits: gamma-mixed Poisson
        lam = r.gamma(3.0, (mean - 1) / 3.0)
        ep["n_visits"] = np.minimum(1 + r.poisson(lam), 36)
        # returning patients: 12 % of episodes belong to a patient seen at least 200 days earlier
        patient = np.arange(n)
        ret = r.random(n) < 0.12
        ev = _days(ep["eval_day"])
        locs = ep["location_id"].to_numpy()
        order = np.lexsort((ev, locs))
        loc_sorted, ev_sorted = locs[order], ev[order]
        lo = np.searchsorted(loc_sorted, locs, side="left")
        hi = np.searchsorted(loc_sorted + 0, locs, side="left")  # same as lo; kept for clarity
        del hi
        # index of the last episode at the same location at least 200 days earlier
        keyed = loc_sorted.astype(np.int64) * 10_000_000 + (ev_sorted - self.warm).astype(np.int64)
        target = locs.astype(np.int64) * 10_000_000 + (ev - 200 * DAY - self.warm).astype(np.int64)
        upto = np.searchsorted(keyed, target, side="right")
        ok = ret & (upto > lo)
        pick = lo[ok] + (r.random(ok.sum()) * (upto[ok] - lo[ok])).astype(np.int64)
        patient[ok] = order[pick]
        for _ in range(40):  # pointer jumping: a returning patient's earlier episode may itself be returning
            nxt = patient[patient]
            if np.array_equal(nxt, patient):
                break
            patient = nxt
        ep["_patient_slot"] = patient
        # same patient and discipline within 200 days: treat as a different person (keeps episodes apart)
        ep = ep.sort_values(["_patient_slot", "discipline", "eval_day"], kind="stable")
        same = (ep["_patient_slot"].eq(ep["_patient_slot"].shift()) & ep["discipline"].eq(ep["discipline"].shift())
                & ((ep["eval_day"] - ep["eval_day"].shift()).dt.days < 200))
        ep.loc[same, "_patient_slot"] = ep.loc[same, "episode_id"]
        ep = ep.sort_values("episode_id", ignore_index=True)
        # dense patient numbers in order of first episode
        first_ep = ep.groupby("_patient_slot")["episode_id"].transform("min")
        codes, _ = pd.factorize(first_ep, sort=True)
        ep["patient_id"] = codes + 1
        ep["_seq"] = ep.groupby("patient_id").cumcount()
        self.ep = ep

    def patients(self):
        r = self.rng("patients")
        ep = self.ep
        first = ep.drop_duplicates("patient_id").sort_values("patient_id")
        n = len(first)
        disc = first["discipline"].to_numpy()
        u = r.random(n)
        child = (disc == "SLP") & (u < 0.42)
        age_years = np.where(child, r.uniform(2, 17, n),
                             np.where(r.random(n) < 0.38, r.uniform(65, 92, n), r.uniform(18, 65, n)))
        eval_day = first["eval_day"].to_numpy()
        birth = eval_day - (age_years * 365.25).astype(np.int64) * DAY
        female = r.random(n) < 0.56
        fname = np.where(female, r.choice(vocab.FEMALE_FIRST, n, p=vocab.FEMALE_FIRST_P),
                         r.choice(vocab.MALE_FIRST, n, p=vocab.MALE_FIRST_P))
        lname = r.choice(vocab.LAST, n, p=vocab.LAST_P)
        locs = self.f["locations"].set_index("location_id")
        loc = first["location_id"].to_numpy()
        region = locs.loc[loc, "_region"].to_numpy()
        city = np.empty(n, dtype=object)
        zipc = np.empty(n, dtype=object)
        phone = np.empty(n, dtype=object)
        st = np.empty(n, dtype=object)
        for reg in np.unique(region):
            m = region == reg
            state, cities, codes = vocab.REGIONS[reg]
            k = m.sum()
            ci = r.integers(0, len(cities), k)
            city[m] = [cities[i][0] for i in ci]
            zipc[m] = [cities[i][1] + f"{z:02d}" for i, z in zip(ci, r.integers(1, 99, k), strict=True)]
            st[m] = state
            ac = np.array(codes, dtype=object)[r.integers(0, len(codes), k)]
            exch = r.integers(201, 989, k)
            exch = np.where(exch == 555, 556, exch)
            line = r.integers(0, 10000, k)
            phone[m] = [f"{a}{e:03d}{ln:04d}" for a, e, ln in zip(ac, exch, line, strict=True)]
        number = r.integers(100, 9900, n)
        street = r.choice(vocab.STREET_WORDS, n)
        suffix = r.choice(vocab.STREET_SUFFIXES, n)
        address = [f"{a} {b} {c}" for a, b, c in zip(number, street, suffix, strict=True)]
        apt = r.random(n) < 0.12
        address = np.array(address, dtype=object)
        address[apt] = [f"{a} Apt {k}" for a, k in zip(address[apt], r.integers(1, 40, apt.sum()), strict=True)]
        has_email = r.random(n) < 0.72
        domains = np.array(["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com"],
                           dtype=object)
        dom = r.choice(domains, n, p=[0.45, 0.15, 0.15, 0.12, 0.08, 0.05])
        email = np.array([f"{a.lower()}.{b.lower().replace(' ', '')}{k}@{d}" for a, b, k, d in
                          zip(fname, lname, r.integers(1, 99, n), dom, strict=True)], dtype=object)
        email[~has_email] = None
        created = (eval_day - r.integers(3, 22, n) * DAY).astype("datetime64[s]") + r.integers(8 * 3600, 17 * 3600, n) * SEC
        age_group = np.where(child, "child", np.where(age_years >= 65, "senior", "adult"))
        self.f["patients"] = pd.DataFrame({
            "patient_id": first["patient_id"].to_numpy(), "first_name": fname, "last_name": lname,
            "birth_date": birth, "sex": np.where(female, "F", "M"), "phone": phone, "email": email,
            "address_line": address, "city": city, "state": st, "postal_code": zipc, "created_at": created,
            "_age_group": age_group, "_no_show_mult": np.exp(r.normal(0, 0.5, n)),
            "_location_id": loc})

    def coverages(self):
        r = self.rng("coverages")
        ep = self.ep
        payers = self.payers
        pats = self.f["patients"].set_index("patient_id")
        group = pats.loc[ep["patient_id"], "_age_group"].to_numpy()
        n = len(ep)
        codes = payers["code"].to_numpy()
        choice = {
            "senior": (["MCR01", "HUM01", "UHCMA", "BCBS1", "TRIC1", "SELF"], [0.56, 0.18, 0.15, 0.05, 0.04, 0.02]),
            "adult": (["BCBS1", "AET01", "CIG01", "UHC01", "HUMCM", "MCD01", "MCDMC", "WC001", "WCLM1", "AUTO1",
                       "AUTO2", "TRIC1", "VACCN", "SELF"],
                      [0.2, 0.13, 0.1, 0.12, 0.04, 0.06, 0.06, 0.05, 0.05, 0.03, 0.02, 0.04, 0.03, 0.07]),
            "child": (["MCD01", "MCDMC", "BCBS1", "AET01", "UHC01", "CIG01", "SELF"],
                      [0.22, 0.2, 0.2, 0.12, 0.12, 0.1, 0.04]),
        }
        drawn = np.empty(n, dtype=object)
        for g, (opts, pr) in choice.items():
            m = group == g
            drawn[m] = r.choice(np.array(opts, dtype=object), m.sum(), p=pr)
        # a returning patient keeps the payer three times out of four
        ep = ep.sort_values(["patient_id", "eval_day"], kind="stable")
        drawn_sorted = drawn[ep.index.to_numpy()]
        keep = (ep["_seq"].to_numpy() > 0) & (r.random(n) < 0.75)
        payer_code = drawn_sorted.copy()
        for i in np.flatnonzero(keep):  # sequential by construction (previous episode of the same patient)
            payer_code[i] = payer_code[i - 1]
        ep = ep.assign(_payer_code=payer_code).sort_values("episode_id")
        code_to_id = dict(zip(codes, payers["payer_id"], strict=True))
        ep["payer_id"] = ep["_payer_code"].map(code_to_id).astype(np.int64)
        # coverage segments: runs of one payer per patient
        e = ep.sort_values(["patient_id", "eval_day"], kind="stable")
        new_seg = (e["patient_id"].ne(e["patient_id"].shift()) | e["payer_id"].ne(e["payer_id"].shift())).to_numpy()
        seg = np.cumsum(new_seg) - 1
        e = e.assign(_seg=seg)
        segs = e.groupby("_seg").agg(patient_id=("patient_id", "first"), payer_id=("payer_id", "first"),
                                     first_eval=("eval_day", "min"), last_eval=("eval_day", "max"),
                                     n=("eval_day", "size"))
        segs["_first_of_patient"] = segs["patient_id"].ne(segs["patient_id"].shift())
        segs["_last_of_patient"] = segs["patient_id"].ne(segs["patient_id"].shift(-1))
        k = len(segs)
        start = np.where(segs["_first_of_patient"], segs["first_eval"].to_numpy() - r.integers(30, 1500, k) * DAY,
                         segs["first_eval"].to_numpy() - r.integers(0, 20, k) * DAY)
        start = np.maximum(start, np.datetime64("1995-01-01"))
        segs["start_date"] = start
        nxt_start = np.roll(start, -1)
        segs["end_date"] = np.where(segs["_last_of_patient"], np.datetime64("NaT"), nxt_start - DAY)
        self.ep = ep.assign(_seg=pd.Series(seg, index=e.index).reindex(ep.index).to_numpy())
        segs["priority"] = 1
        # member ids in each payer's style
        pcode = payers.set_index("payer_id").loc[segs["payer_id"], "code"].to_numpy()
        segs["member_id"] = _member_ids(r, pcode)
        # self-pay: the front desk enters the patient's account number as the policy number
        selfp = pcode == "SELF"
        segs.loc[selfp, "member_id"] = ["SP" + str(int(x)).zfill(7) for x in segs.loc[selfp, "patient_id"]]
        segs["_seg"] = segs.index
        prim = segs.reset_index(drop=True)
        # secondary coverage: a third of Medicare patients have a supplement or Medicaid (dual)
        medicare = prim["payer_id"].map(dict(zip(payers["payer_id"], payers["code"], strict=True))).eq("MCR01")
        sec = prim[medicare & (r.random(len(prim)) < 0.33)].copy()
        sec_code = np.where(r.random(len(sec)) < 0.45, "MCD01", "BCBS1")
        sec["payer_id"] = pd.Series(sec_code).map(code_to_id).to_numpy()
        sec["member_id"] = _member_ids(r, sec_code)
        sec["priority"] = 2
        cov = pd.concat([prim, sec], ignore_index=True).sort_values(["patient_id", "priority", "start_date"],
                                                                     kind="stable", ignore_index=True)
        cov["coverage_id"] = np.arange(1, len(cov) + 1)
        self.f["coverages"] = cov[["coverage_id", "patient_id", "payer_id", "member_id", "priority", "start_date",
                                   "end_date", "_seg"]].copy()
        # the coverage used for each episode's claims, and whether a secondary payer follows
        self.sec_by_seg = dict(zip(sec["_seg"], sec["payer_id"], strict=True))

    def referrals(self):
        r = self.rng("referrals")
        ep = self.ep
        n = len(ep)
        lag = np.where(r.random(n) < 0.06, r.integers(31, 50, n), r.integers(2, 21, n))
        recv = (ep["eval_day"].to_numpy() - lag * DAY).astype("datetime64[s]") + r.integers(8 * 3600, 18 * 3600, n) * SEC
        ref = pd.DataFrame({"patient_id": ep["patient_id"].to_numpy(), "received_at": recv,
                            "discipline": ep["discipline"].to_numpy(), "_episode": ep["episode_id"].to_numpy()})
        # referrals that never turn into a visit: one in five, for patients registered at intake
        m = int(n * 0.2)
        pats = self.f["patients"]
        first_ref = ref.groupby("patient_id")["received_at"].min()
        pats["created_at"] = np.minimum(pats["created_at"].to_numpy(),
                                        first_ref.reindex(pats["patient_id"]).to_numpy())
        base = int(pats["patient_id"].max())
        rows = r.integers(0, n, m)
        lost_recv = ep["eval_day"].to_numpy()[rows].astype("datetime64[s]") + r.integers(8 * 3600, 18 * 3600, m) * SEC
        lost_ids = base + 1 + np.arange(m)
        lost = pd.DataFrame({"patient_id": lost_ids, "received_at": lost_recv,
                             "discipline": ep["discipline"].to_numpy()[rows], "_episode": -1})
        # their patient records (created at intake), with coverage like anyone else's
        proto = pats.sample(n=m, replace=True, random_state=np.random.RandomState(self.seed % 2**31))
        rr = self.rng("lost-patients")
        female = rr.random(m) < 0.56
        newp = proto.copy()
        newp["patient_id"] = lost_ids
        newp["first_name"] = np.where(female, rr.choice(vocab.FEMALE_FIRST, m, p=vocab.FEMALE_FIRST_P),
                                      rr.choice(vocab.MALE_FIRST, m, p=vocab.MALE_FIRST_P))
        newp["last_name"] = rr.choice(vocab.LAST, m, p=vocab.LAST_P)
        newp["sex"] = np.where(female, "F", "M")
        bd = newp["birth_date"].to_numpy() + rr.integers(-3000, 3000, m) * DAY
        youngest = lost_recv.astype("datetime64[D]") - 800 * DAY
        newp["birth_date"] = np.minimum(bd, youngest)
        newp["phone"] = [p[:3] + f"{e:03d}{x:04d}" for p, e, x in
                         zip(newp["phone"], rr.integers(201, 554, m), rr.integers(0, 10000, m), strict=True)]
        newp["email"] = [None if not isinstance(e, str) else f"{a.lower()}{k}@{e.split('@')[1]}" for a, k, e in
                         zip(newp["first_name"], rr.integers(1, 999, m), newp["email"], strict=True)]
        newp["created_at"] = lost_recv
        self.f["patients"] = pd.concat([pats, newp.reset_index(drop=True)], ignore_index=True)
        cov = self.f["coverages"]
        lost_cov = pd.DataFrame({
            "patient_id": lost_ids, "payer_id": rr.choice(self.payers["payer_id"].to_numpy()[:10], m),
            "priority": 1, "start_date": (lost_recv.astype("datetime64[D]") - rr.integers(30, 900, m) * DAY),
            "end_date": np.array(["NaT"] * m, dtype="datetime64[D]"), "_seg": -1})
        pcode = self.payers.set_index("payer_id").loc[lost_cov["payer_id"], "code"].to_numpy()
        lost_cov["member_id"] = _member_ids(rr, pcode)
        cov = pd.concat([cov, lost_cov], ignore_index=True)
        cov["coverage_id"] = np.arange(1, len(cov) + 1)
        self.f["coverages"] = cov
        refs = pd.concat([ref, lost], ignore_index=True).sort_values(["received_at", "patient_id"], kind="stable",
                                                                    ignore_index=True)
        refs["referral_id"] = np.arange(1, len(refs) + 1)
        nr = len(refs)
        doc_last = r.choice(vocab.LAST, nr, p=vocab.LAST_P)
        practice = r.choice(np.array(vocab.REFERRAL_PRACTICES, dtype=object), nr)
        refs["referral_source"] = [f"Dr. {a}, {b}" for a, b in zip(doc_last, practice, strict=True)]
        self.f["referrals"] = refs

    # ------------------------------------------------------------------ visits
    def appointments(self):
        r = self.rng("appointments")
        ep = self.ep
        nv = ep["n_visits"].to_numpy()
        idx = np.repeat(np.arange(len(ep)), nv)
        starts = np.cumsum(nv) - nv
        k = np.arange(len(idx)) - np.repeat(starts, nv)
        gaps = r.choice(np.array([1, 2, 2, 2, 3, 3, 4, 5]), len(idx))
        gaps[k == 0] = 0
        cs = np.cumsum(gaps)
        offset = cs - np.repeat(cs[starts], nv)
        eval_day = _days(ep["eval_day"])[idx]
        day = np.busday_offset(eval_day, offset, roll="forward", busdaycal=self.cal)
        disc = ep["discipline"].to_numpy()[idx]
        last = k == nv[idx] - 1
        prov = self.f["providers"]
        interval = prov.set_index("provider_id").loc[ep["therapist_id"].to_numpy()[idx], "_pn_interval"].to_numpy()
        interval = np.where(self.since(eval_day) >= 0, 10, interval)
        atype = np.full(len(idx), "follow_up", dtype=object)
        atype[(k > 0) & (k % interval == 0)] = "progress"
        atype[(k == 20)] = "re_eval"
        atype[last & (k > 0) & (r.random(len(idx)) < 0.62)] = "discharge"
        atype[k == 0] = "initial_eval"
        # who sees the patient: the episode's therapist, or an assistant of the team for treatment visits
        therapist = ep["therapist_id"].to_numpy()[idx]
        provider = therapist.copy()
        loc = ep["location_id"].to_numpy()[idx]
        assist = prov[prov["credential"].isin(list(ASSISTANT_OF))]
        for (aloc, adisc), team in assist.groupby(["location_id", "discipline"]):
            m = (loc == aloc) & (disc == adisc) & (atype == "follow_up")
            use = m & (r.random(len(idx)) < 0.5)
            provider[use] = r.choice(team["provider_id"].to_numpy(), use.sum())
        dur = np.where(atype == "initial_eval", 60, np.where(atype == "re_eval", 45, 45))
        dur = np.where((disc == "SLP") & (atype == "follow_up"), np.where(r.random(len(idx)) < 0.6, 30, 45), dur)
        dur = np.where((disc != "SLP") & (atype == "follow_up") & (r.random(len(idx)) < 0.25), 60, dur)
        slot = r.integers(0, 40, len(idx))  # 07:00 ... 16:45
        start = day.astype("datetime64[s]") + (7 * 3600 + slot * 900) * SEC
        appt = pd.DataFrame({
            "patient_id": ep["patient_id"].to_numpy()[idx], "provider_id": provider, "location_id": loc,
            "discipline": disc, "scheduled_start": start, "duration_minutes": dur, "appointment_type": atype,
            "_episode": idx, "_k": k, "_day": day, "_payer_id": ep["payer_id"].to_numpy()[idx],
            "_seg": ep["_seg"].to_numpy()[idx]})
        appt = appt[(appt["_day"] >= self.start) & (appt["_day"] <= self.horizon)]
        n = len(appt)
        # booking time: evaluations a few days ahead, treatment plans booked at the evaluation
        dayv = _days(appt["_day"])
        ev = _days(ep["eval_day"])[appt["_episode"].to_numpy()]
        lead = np.where(appt["_k"].to_numpy() == 0, r.integers(2, 15, n),
                        np.minimum((dayv - ev).astype(np.int64), r.integers(5, 36, n)))
        created = (dayv - lead * DAY).astype("datetime64[s]") + r.integers(8 * 3600, 18 * 3600, n) * SEC
        created = np.minimum(created, appt["scheduled_start"].to_numpy() - HOUR)
        if self.p.moment == "before":
            # the practice books its go-live weeks in the new system ahead of time
            first_weeks = (dayv >= self.go_live) & (dayv < self.go_live + 14 * DAY)
            early = (self.today - r.integers(0, 12, n) * DAY).astype("datetime64[s]") + r.integers(9 * 3600, 17 * 3600, n) * SEC
            created = np.where(first_weeks, np.minimum(created, early), created)
        # outcome
        days_in = self.since(dayv)
        pats = self.f["patients"].set_index("patient_id")
        mult = pats.loc[appt["patient_id"], "_no_show_mult"].to_numpy()
        p_ns = np.clip(rate(days_in, 0.11, 0.095) * mult / 1.13, 0, 0.6)
        p_cx = 0.075 * np.ones(n)
        p_lc = rate(days_in, 0.032, 0.026)
        u = r.random(n)
        status = np.where(u < p_ns, "no_show", np.where(u < p_ns + p_cx, "cancelled",
                                                        np.where(u < p_ns + p_cx + p_lc, "late_cancel", "completed")))
        status[(appt["appointment_type"].to_numpy() == "initial_eval") & (status != "completed") & (r.random(n) < 0.5)] = "completed"
        sched = appt["scheduled_start"].to_numpy()
        cx_at = np.where(status == "cancelled", sched - r.integers(25, 96 * 3, n) * 1200 * SEC,
                         np.where(status == "late_cancel", sched - r.integers(1, 23 * 3, n) * 1200 * SEC,
                                  np.datetime64("NaT", "s")))
        cx_at = np.maximum(cx_at, created + HOUR)
        cx_at = np.where(np.isin(status, ["cancelled", "late_cancel"]), cx_at, np.datetime64("NaT", "s"))
        future = dayv >= self.today
        future_cx = future & (cx_at <= self.today.astype("datetime64[s]"))
        status = np.where(future & ~future_cx, "scheduled", status)
        cx_at = np.where(future & ~future_cx, np.datetime64("NaT", "s"), cx_at)
        booked = created <= (self.today + DAY).astype("datetime64[s]")
        stale = (~future) & (r.random(n) < 0.002)
        status = np.where(stale, "scheduled", status)
        appt = appt.assign(status=status, created_at=created, cancelled_at=cx_at.astype("datetime64[s]"))
        appt = appt[booked | ~future]
        appt = self._cut_go_live_load(appt, r)
        # a patient is registered no later than their first booking
        pats = self.f["patients"]
        first_booked = appt.groupby("patient_id")["created_at"].min()
        earliest = first_booked.reindex(pats["patient_id"]).to_numpy()
        has = ~np.isnat(earliest)
        created_p = pats["created_at"].to_numpy().copy()
        created_p[has] = np.minimum(created_p[has], earliest[has] - 600 * SEC)
        pats["created_at"] = created_p
        appt = appt.sort_values(["scheduled_start", "location_id", "provider_id", "patient_id"], kind="stable",
                                ignore_index=True)
        appt["appointment_id"] = np.arange(1, len(appt) + 1)
        self.f["appointments"] = appt

    def _cut_go_live_load(self, appt: pd.DataFrame, r: np.random.Generator) -> pd.DataFrame:
        """Go-live: the first two weeks are booked at three quarters of the baseline's average day
        (booked = scheduled, completed or no-show minutes) at every location but ``uncut_location``."""
        booked = appt["status"].isin(["scheduled", "completed", "no_show"]).to_numpy()
        day = _days(appt["_day"])
        loc = appt["location_id"].to_numpy()
        base_end = min(self.go_live, self.today)
        in_base = booked & (day >= self.go_live - 90 * DAY) & (day < base_end)
        per_day = pd.DataFrame({"loc": loc[in_base], "day": day[in_base],
                                "m": appt["duration_minutes"].to_numpy()[in_base]}).groupby(["loc", "day"])["m"].sum()
        target = 0.75 * per_day.groupby(level="loc").mean()
        uncut = self.p.extra.get("uncut_location")
        window = (day >= self.go_live) & (day < self.go_live + 14 * DAY) & (loc != (uncut if uncut else -1))
        drop = np.zeros(len(appt), dtype=bool)
        order = r.permutation(len(appt))
        w = pd.DataFrame({"i": order, "loc": loc[order], "day": day[order], "booked": booked[order],
                          "m": appt["duration_minutes"].to_numpy()[order], "in": window[order]})
        w = w[w["in"]]
        w["cum"] = w["m"].where(w["booked"], 0).groupby([w["loc"], w["day"]]).cumsum()
        over = w["cum"].to_numpy() > w["loc"].map(target).fillna(np.inf).to_numpy()
        drop[w["i"].to_numpy()[over]] = True
        return appt[~drop]

    def authorizations(self):
        r = self.rng("authorizations")
        ep = self.ep
        payers = self.payers.set_index("payer_id")
        needs = payers.loc[ep["payer_id"], "needs_auth"].to_numpy() & (r.random(len(ep)) < 0.95)
        e = ep[needs & (ep["eval_day"].to_numpy() >= self.start - 60 * DAY)
               & (ep["eval_day"].to_numpy() <= self.today)].copy()
        n = len(e)
        req = (e["eval_day"].to_numpy() - r.integers(0, 4, n) * DAY).astype("datetime64[s]") + \
            r.integers(8 * 3600, 17 * 3600, n) * SEC
        days_in = self.since(req)
        turnaround = np.maximum(0.2, r.gamma(2.0, rate(days_in, 8.0, 3.0) / 2.0))
        decided = req + (turnaround * 86400).astype(np.int64) * SEC
        u = r.random(n)
        status = np.where(u < 0.075, "denied", np.where(u < 0.095, "cancelled", "approved"))
        visits = r.choice(np.array([8, 12, 12, 16, 20, 24, 30]), n)
        start = e["eval_day"].to_numpy()
        end = start + r.choice(np.array([60, 90, 90, 120]), n) * DAY
        auth = pd.DataFrame({
            "patient_id": e["patient_id"].to_numpy(), "payer_id": e["payer_id"].to_numpy(),
            "discipline": e["discipline"].to_numpy(), "requested_at": req, "decided_at": decided,
            "status": status, "visits_authorized": visits, "start_date": start, "end_date": end,
            "_episode": e["episode_id"].to_numpy()})
        auth = auth[auth["requested_at"].to_numpy() >= self.start.astype("datetime64[s]")]
        auth = auth.sort_values(["requested_at", "patient_id"], kind="stable", ignore_index=True)
        auth["authorization_id"] = np.arange(1, len(auth) + 1)
        self.f["authorizations"] = auth
        self.auth_episodes = set(auth.loc[auth["status"] == "approved", "_episode"])

    # ------------------------------------------------------------------ documentation
    def notes(self):
        r = self.rng("notes")
        a = self.f["appointments"]
        a = a[(a["status"] == "completed") & (a["_day"] < self.today)]
        n = len(a)
        prov = self.f["providers"].set_index("provider_id")
        pid = a["provider_id"].to_numpy()
        start = a["scheduled_start"].to_numpy()
        end = start + a["duration_minutes"].to_numpy() * MIN
        days_in = self.since(a["_day"].to_numpy())
        ntype = a["appointment_type"].map({"initial_eval": "evaluation", "follow_up": "daily", "progress": "progress",
                                           "re_eval": "re_evaluation", "discharge": "discharge"}).to_numpy()
        type_mult = pd.Series(ntype).map({"evaluation": 1.9, "progress": 1.45, "re_evaluation": 1.6,
                                          "discharge": 1.3, "daily": 0.9}).to_numpy()
        minutes = rate(days_in, 13.2, 5.3) * type_mult * prov.loc[pid, "_doc_mult"].to_numpy()
        minutes = minutes * np.exp(r.normal(0, 0.3, n) - 0.045)
        seconds = np.maximum(60, (minutes * 60).round()).astype(np.int64)
        median_lag = rate(days_in, 19.0, 4.0) * prov.loc[pid, "_lag_mult"].to_numpy()
        lag_h = np.exp(np.log(np.maximum(median_lag, 0.3)) + r.normal(0, 0.9, n))
        signed = end + (lag_h * 3600).astype(np.int64) * SEC
        created = end - r.integers(0, 40, n) * MIN
        today_end = (self.today + DAY).astype("datetime64[s]")
        unsigned = (signed > today_end) | (r.random(n) < 0.004)
        signed = np.where(unsigned, np.datetime64("NaT", "s"), signed)
        seconds = np.where(unsigned, -1, seconds)
        assistant = np.isin(prov.loc[pid, "credential"].to_numpy(), list(ASSISTANT_OF))
        ok7 = r.random(n) < rate(days_in, 0.885, 0.975)
        co_days = np.where(ok7, r.uniform(0.05, 6.5, n), r.uniform(7.5, 20, n))
        cos = signed + (co_days * 86400).astype(np.int64) * SEC
        cos = np.where(assistant & ~unsigned & (cos <= today_end), cos, np.datetime64("NaT", "s"))
        notes = pd.DataFrame({
            "patient_id": a["patient_id"].to_numpy(), "provider_id": pid, "appointment_id": a["appointment_id"].to_numpy(),
            "note_type": ntype, "visit_date": a["_day"].to_numpy(), "created_at": created,
            "signed_at": signed.astype("datetime64[s]"), "documentation_seconds": seconds,
            "requires_cosign": assistant, "cosigned_at": cos.astype("datetime64[s]")})
        notes["note_id"] = np.arange(1, n + 1)
        self.f["notes"] = notes

    # ------------------------------------------------------------------ billing
    def fee_schedule(self):
        payers = self.payers
        years = range(int(str(self.start)[:4]), int(str(self.horizon)[:4]) + 1)
        rows = []
        for _, py in payers.iterrows():
            for cpt, (charge, _) in vocab.CHARGES.items():
                wobble = 1 + ((int(cpt) * 7919 + py["payer_id"] * 104729) % 13 - 6) / 100.0
                for y in years:
                    allowed = round(charge * py["allowed_share"] * wobble * (1.02 ** (y - years.start)), 2)
                    rows.append((py["payer_id"], cpt, np.datetime64(f"{y}-01-01"), int(round(allowed * 100))))
        self.f["fee_schedule"] = pd.DataFrame(rows, columns=["payer_id", "cpt_code", "effective_date",
                                                             "allowed_amount"])

    def claims(self):
        from seed_data.billing import simulate_billing

        simulate_billing(self)


def _days(values) -> np.ndarray:
    """Dates as numpy datetime64[D] (pandas keeps them as datetime64[s])."""
    return np.asarray(values).astype("datetime64[D]")


def _npi(base9: int) -> str:
    """A 10-digit number with a valid NPI check digit (Luhn over the 80840 prefix); fake, not issued."""
    body = "1" + str(base9).zfill(9)[-8:]
    digits = [int(c) for c in "80840" + body]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def _member_ids(r: np.random.Generator, payer_codes: np.ndarray) -> np.ndarray:
    n = len(payer_codes)
    letters = np.array(list("ACDEFGHJKMNPQRTUVWXY"), dtype=object)
    digits = r.integers(0, 10, (n, 12))
    lets = r.choice(letters, (n, 6))
    out = np.empty(n, dtype=object)
    for i, code in enumerate(payer_codes):
        d = "".join(map(str, digits[i]))
        le = "".join(lets[i])
        if code == "MCR01":  # Medicare beneficiary identifier style
            out[i] = f"{d[0] if d[0] != '0' else '1'}{le[0]}{le[1]}{d[1]}-{le[2]}{le[3]}{d[2]}-{le[4]}{le[5]}{d[3]}{d[4]}"
        elif code.startswith("MCD"):
            out[i] = f"{d[:10]}"
        elif code.startswith("WC") or code.startswith("AUTO"):
            out[i] = f"CLM-{d[:4]}-{d[4:10]}"
        else:
            out[i] = f"{le[:3]}{d[:9]}"
    return out
