"""The demo practice generator: determinism, two distinct vendor schemas read back through their
mapping files, referential integrity, every code the canonical tables know, and the manifest of
migration defects agreeing with the rows of both databases.

Small practices (one or two locations, a few months) keep this fast; the databases are read with
plain SQL and a tiny mapping applier written here (not the connectors), so a mapping mistake shows.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sqlite3
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from seed_data.expected import (
    REF,
    balances,
    check_canonical,
    identity,
    key_order,
    norm_phone,
    norm_text,
)
from seed_data.generator import PracticeParams, generate
from warehouse.schema import REFERENCES, TABLES
from warehouse.store import conform

REPO = Path(__file__).resolve().parent.parent
LEGACY_MAPPING = REPO / "config" / "mappings" / "legacy_pms.yaml"
NEW_MAPPING = REPO / "config" / "mappings" / "new_pms.yaml"
TODAY = dt.date(2026, 5, 20)
NATURAL = {"duplicate_patient", "incomplete_record", "outdated_coverage"}


# ---------------------------------------------------------------------- helpers (shared with other seed tests)

@functools.lru_cache(maxsize=8)
def generated(moment: str = "after", locations: int = 2, months: int = 6, seed: int = 7):
    """Generate once per test process (the result keeps the generator's own frames)."""
    folder = Path(tempfile.mkdtemp(prefix=f"seed-{moment}-"))
    extra = {"uncut_location": 1} if moment == "before" else {}
    return generate(PracticeParams(seed=seed, locations=locations, providers_per_location=6, months=months,
                                   today=TODAY, moment=moment, legacy_path=folder / "legacy.db",
                                   new_path=folder / "new.db", manifest_path=folder / "manifest.json",
                                   extra=extra), keep_systems=True)


def practice(moment: str = "after", locations: int = 2, months: int = 6, seed: int = 7) -> tuple[Path, Path, dict]:
    """(legacy db, new db, manifest as written)."""
    result = generated(moment, locations, months, seed)
    return result.legacy_path, result.new_path, json.loads(result.manifest_path.read_text())


def apply_mapping(db: Path, mapping_path: Path, source: str) -> dict[str, pd.DataFrame]:
    """Read a source database through a mapping file with plain SQL: canonical frames, conformed."""
    mapping = yaml.safe_load(mapping_path.read_text())
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out = {}
    try:
        for table, spec in mapping["tables"].items():
            select, coded = [], {}
            for col, rule in spec["columns"].items():
                if isinstance(rule, str):
                    select.append(f'[{rule}] AS "{col}"')
                elif "expr" in rule:
                    select.append(f'({rule["expr"]}) AS "{col}"')
                elif "value" in rule:
                    select.append(f'{rule["value"]!r} AS "{col}"')
                else:
                    select.append(f'[{rule["column"]}] AS "{col}"')
                    coded[col] = rule
            cur = con.execute(f'SELECT {", ".join(select)} FROM "{spec["from"]}"')
            frame = pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description], dtype=object)
            for col, rule in coded.items():
                def translate(v, rule=rule, where=f"{table}.{col}"):
                    if v is None:
                        return None
                    if v in rule["values"]:
                        return rule["values"][v]
                    if "default" in rule:
                        return rule["default"]
                    raise AssertionError(f"{where}: code {v!r} not in the mapping")
                frame[col] = frame[col].map(translate).astype(object)
            out[table] = conform(table, frame, source)
    finally:
        con.close()
    return out


@functools.lru_cache(maxsize=8)
def canonical(moment: str = "after", locations: int = 2, months: int = 6, seed: int = 7):
    legacy_db, new_db, manifest = practice(moment, locations, months, seed)
    return (apply_mapping(legacy_db, LEGACY_MAPPING, "legacy"), apply_mapping(new_db, NEW_MAPPING, "new"), manifest)


def tables_of(db: Path) -> dict[str, list[str]]:
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: [r[1] for r in con.execute(f'PRAGMA table_info("{n}")')] for n in names}
    finally:
        con.close()


# ---------------------------------------------------------------------- determinism


def test_same_parameters_give_identical_files(tmp_path):
    def run(folder: Path, seed: int):
        return generate(PracticeParams(seed=seed, locations=1, providers_per_location=4, months=4, today=TODAY,
                                       legacy_path=folder / "legacy.db", new_path=folder / "new.db",
                                       manifest_path=folder / "manifest.json"))
    a, b = run(tmp_path / "a", 3), run(tmp_path / "b", 3)
    run(tmp_path / "c", 4)
    for name in ("legacy.db", "new.db", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "legacy.db").read_bytes() != (tmp_path / "c" / "legacy.db").read_bytes()
    assert a.legacy_rows == b.legacy_rows and a.new_rows == b.new_rows
    assert not list(tmp_path.glob("*/*.tmp")), "no temporary files are left behind"


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="locations"):
        PracticeParams(locations=0, today=TODAY).resolved()
    with pytest.raises(ValueError, match="moment"):
        PracticeParams(moment="during", today=TODAY).resolved()
    with pytest.raises(ValueError, match="go_live or today"):
        PracticeParams().resolved()
    p = PracticeParams(today=TODAY, moment="before").resolved()
    assert p.go_live == TODAY + dt.timedelta(days=21)
    assert PracticeParams(go_live=TODAY, moment="after").resolved().today == TODAY + dt.timedelta(days=100)


# ---------------------------------------------------------------------- two schemas


def test_the_two_systems_have_their_own_schemas():
    legacy_db, new_db, _ = practice()
    legacy, new = tables_of(legacy_db), tables_of(new_db)
    assert len(legacy) == len(new) == 16
    assert not set(legacy) & set(new), "no table name is shared"
    assert not set(legacy) & set(TABLES) and not set(new) & set(TABLES), "vendor names, not canonical ones"
    legacy_cols = {c for cols in legacy.values() for c in cols}
    new_cols = {c for cols in new.values() for c in cols}
    assert not legacy_cols & new_cols - {"npi"}
    assert "legacy_ref" in new["clients"] and all(t.startswith("tbl") for t in legacy)
    con = sqlite3.connect(legacy_db)
    dob, status, cents = con.execute("SELECT DOB, StatusCd, TotChgCents FROM tblPat, tblAppt, tblClaim LIMIT 1").fetchone()
    con.close()
    assert dob[2] == "/" and dob[5] == "/" and len(dob) == 10  # MM/DD/YYYY text
    assert status in "ANCLS" and isinstance(cents, int)
    con = sqlite3.connect(new_db)
    states = {r[0] for r in con.execute("SELECT DISTINCT state FROM bookings")}
    total = con.execute("SELECT total_billed FROM billing_claims LIMIT 1").fetchone()[0]
    con.close()
    assert {"arrived", "noshow", "booked", "canceled", "late_canceled"} <= states
    assert isinstance(total, float)


@pytest.mark.parametrize("moment", ["after", "before"])
def test_mappings_read_back_exactly_what_was_generated(moment):
    from seed_data.canonical import canonical_tables

    legacy, new, _ = canonical(moment)
    systems = generated(moment).systems
    for source, got, frames in (("legacy", legacy, systems.legacy), ("new", new, systems.new)):
        expected = canonical_tables(frames, source)
        for table, spec in TABLES.items():
            key = list(spec.key)
            g = got[table].sort_values(key, key=lambda s: s.map(key_order) if s.dtype == object else s)
            e = expected[table].sort_values(key, key=lambda s: s.map(key_order) if s.dtype == object else s)
            assert len(g) == len(e), (source, table)
            for col in spec.column_names + (["legacy_id"] if spec.crosswalk else []):
                a, b = g[col].reset_index(drop=True).astype(object), e[col].reset_index(drop=True).astype(object)
                same = (a == b) | (a.isna() & b.isna())
                assert same.all(), (source, table, col, a[~same].head(3).tolist(), b[~same].head(3).tolist())


def test_every_mapping_covers_every_canonical_table_and_column():
    for path in (LEGACY_MAPPING, NEW_MAPPING):
        mapping = yaml.safe_load(path.read_text())["tables"]
        assert set(mapping) == set(TABLES), path
        for table, spec in mapping.items():
            missing = set(TABLES[table].column_names) - set(spec["columns"])
            assert not missing, (path.name, table, missing)
    assert "legacy_id" in yaml.safe_load(NEW_MAPPING.read_text())["tables"]["patients"]["columns"]


# ---------------------------------------------------------------------- contents


def test_every_code_of_the_canonical_tables_occurs():
    legacy, new, _ = canonical()
    both = {t: pd.concat([legacy[t], new[t]], ignore_index=True) for t in TABLES}
    assert set(both["providers"]["credential"]) == {"PT", "PTA", "OT", "COTA", "SLP", "SLPA"}
    assert set(both["payers"]["payer_class"]) == set(TABLES["payers"].column("payer_class").codes)
    assert set(legacy["appointments"]["status"]) == {"scheduled", "completed", "no_show", "cancelled", "late_cancel"}
    assert set(new["appointments"]["status"]) == {"scheduled", "completed", "no_show", "cancelled", "late_cancel"}
    assert set(both["appointments"]["appointment_type"]) == {"initial_eval", "follow_up", "re_eval", "progress",
                                                             "discharge"}
    notes = both["notes"]
    assert set(notes["note_type"]) == {"evaluation", "daily", "progress", "re_evaluation", "discharge"}
    assert notes["signed_at"].isna().any() and notes["signed_at"].notna().any()
    assistants = set(both["providers"].loc[both["providers"]["credential"].isin(["PTA", "COTA", "SLPA"]), "provider_id"])
    cosign = notes[notes["requires_cosign"] == True]  # noqa: E712
    assert set(cosign["provider_id"]) <= assistants and cosign["cosigned_at"].notna().mean() > 0.8
    assert set(both["authorizations"]["status"]) == {"pending", "approved", "denied", "cancelled"}
    assert set(both["remits"]["claim_status_code"]) >= {"1", "2", "3", "4", "19", "20", "21", "22", "23"}
    adj = both["adjustments"]
    reasons = set(zip(adj["group_code"], adj["reason_code"], strict=True))
    assert {("CO", "45"), ("PR", "1"), ("PR", "2"), ("PR", "3"), ("CO", "18"), ("CO", "197"), ("CO", "16"),
            ("CO", "50"), ("PR", "27"), ("CO", "29"), ("CO", "22"), ("CO", "B7")} <= reasons
    pay = both["payments"]
    assert set(pay["method"]) >= {"era", "paper", "card", "cash"}
    assert (pay.loc[pay["payer_id"].isna(), "amount"] < 0).any(), "a few patient refunds"
    assert (pay.loc[pay["payer_id"].notna(), "amount"] < 0).any(), "recoupments of reversed claims"
    cpts = set(both["claim_lines"]["cpt_code"])
    assert {"97110", "97112", "97140", "97530", "97116", "97161", "97162", "97163", "97165", "97166", "97167",
            "92507", "92523"} <= cpts
    for name in ("provider_schedule", "fee_schedule", "referrals", "coverages"):
        assert len(legacy[name]) and len(new[name]), name


def test_units_follow_the_8_minute_rule():
    legacy, _, _ = canonical()
    lines = legacy["claim_lines"]
    timed = {"97110", "97112", "97140", "97530", "97116", "97535"}
    appt = legacy["appointments"].set_index("appointment_id")
    t = lines[lines["cpt_code"].isin(timed)]
    per_claim = t.groupby("claim_id").agg(units=("units", "sum"), appointment_id=("appointment_id", "first"))
    minutes = appt.loc[per_claim["appointment_id"], "duration_minutes"].astype(int).to_numpy()
    units = per_claim["units"].astype(int)
    # billed timed units never exceed what the visit's minutes allow: (minutes + 7) // 15
    assert (units.to_numpy() <= (minutes + 7) // 15).all()
    assert units.max() >= 3 and units.min() >= 1


def test_realistic_people():
    legacy, new, _ = canonical()
    p = legacy["patients"]
    assert p["last_name"].str.isupper().all()
    assert new["patients"]["first_name"].dropna().str[1:].str.islower().mean() > 0.9
    digits = p["phone"].dropna().map(norm_phone)
    assert (digits.str.len() == 10).all() and not digits.str[3:6].eq("555").any()
    ages = (pd.Timestamp(TODAY) - pd.to_datetime(p["birth_date"].dropna())).dt.days / 365.25
    assert ages.min() > 1 and ages.max() < 106 and (ages < 18).any() and (ages >= 65).any()
    assert p["postal_code"].dropna().str.fullmatch(r"\d{5}|").all()


# ---------------------------------------------------------------------- integrity


@pytest.mark.parametrize("moment", ["after", "before"])
def test_references_inside_each_database_resolve(moment):
    legacy, new, _ = canonical(moment)
    for source, frames in (("legacy", legacy), ("new", new)):
        for table in TABLES:
            key = list(TABLES[table].key)
            assert not frames[table].duplicated(key).any(), (source, table)
        for (table, col), target in REFERENCES.items():
            values = set(frames[table][col].dropna())
            known = set(frames[target][TABLES[target].key[0]])
            assert values <= known, (source, table, col, sorted(values - known)[:5])
    legacy_db, new_db, _ = practice(moment)
    con = sqlite3.connect(new_db)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()


@pytest.mark.parametrize("moment", ["after", "before"])
def test_nothing_is_dated_after_today_but_bookings(moment):
    legacy, new, manifest = canonical(moment)
    end = pd.Timestamp(manifest["today"]) + pd.Timedelta(days=1)
    for frames in (legacy, new):
        for table, col in (("claims", "created_at"), ("remits", "received_date"), ("payments", "payment_date"),
                           ("adjustments", "adjustment_date"), ("notes", "signed_at"), ("referrals", "received_at"),
                           ("authorizations", "requested_at"), ("patients", "created_at"),
                           ("appointments", "created_at")):
            assert (pd.to_datetime(frames[table][col]).dropna() < end).all(), (table, col)
        future = frames["appointments"][pd.to_datetime(frames["appointments"]["scheduled_start"]) >= end]
        assert set(future["status"]) <= {"scheduled", "cancelled", "late_cancel"}


# ---------------------------------------------------------------------- manifest


@pytest.mark.parametrize("moment", ["after", "before"])
def test_manifest_findings_follow_from_the_database_rows(moment):
    """The spec's checks run on what the mappings read from the files give exactly the manifest."""
    legacy, new, manifest = canonical(moment)
    found = check_canonical(legacy, new, manifest["go_live"], manifest["run_off_payer_classes"])
    assert {identity(f) for f in found} == {identity(f) for f in manifest["findings"]}
    assert len(manifest["findings"]) == len({identity(f) for f in manifest["findings"]})


@pytest.mark.parametrize("moment", ["after", "before"])
def test_every_planted_defect_is_in_the_manifest_and_visible_in_the_rows(moment):
    legacy, new, manifest = canonical(moment)
    listed = {identity(f) for f in manifest["findings"]}
    planted = [f for d in manifest["planted"] for f in d["findings"]]
    kinds = {f["check"] for f in planted}
    assert kinds == {"missing_in_new", "extra_in_new", "field_mismatch", "ar_balance_mismatch",
                     "authorization_visits_mismatch", "duplicate_patient", "incomplete_record", "outdated_coverage"}
    assert {identity(f) for f in planted} <= listed
    natural = listed - {identity(f) for f in planted}
    assert {f[0] for f in natural} <= NATURAL
    for f in manifest["findings"]:
        assert _visible(f, legacy, new, manifest), f


def _twin(new: dict, table: str, legacy_key: str):
    n = new[table]
    rows = n[n["legacy_id"] == legacy_key]
    if rows.empty:
        return None
    return rows.loc[rows[TABLES[table].key[0]].map(key_order).sort_values().index[0]]


def _visible(f: dict, legacy: dict, new: dict, manifest: dict) -> bool:
    """Re-derive one finding from the rows in the plainest way."""
    table, key, field = f["table"], f["key"], f["field"]
    kcol = TABLES[table].key[0]
    go_live = pd.Timestamp(manifest["go_live"])
    cut = go_live - pd.Timedelta(days=1)
    if f["check"] == "missing_in_new":
        return key in set(legacy[table][kcol]) and _twin(new, table, key) is None
    if f["check"] == "extra_in_new":
        row = new[table].set_index(kcol).loc[key]
        return row["legacy_id"] is not None and row["legacy_id"] not in set(legacy[table][kcol])
    if f["check"] == "duplicate_patient":
        system = legacy if f["system"] == "legacy" else new
        p = system["patients"].set_index("patient_id")
        a, b = (p.loc[k] for k in key.split("|"))
        same_first = norm_text(a["first_name"]) is not None and norm_text(a["first_name"]) == norm_text(b["first_name"])
        same_phone = norm_phone(a["phone"]) is not None and norm_phone(a["phone"]) == norm_phone(b["phone"])
        return (a["birth_date"] == b["birth_date"] and norm_text(a["last_name"]) == norm_text(b["last_name"])
                and (same_first or same_phone))
    if f["check"] == "incomplete_record":
        row = legacy[table].set_index(kcol).loc[key]
        if field == "phone":
            return norm_phone(row["phone"]) is None and norm_text(row["email"]) is None
        value = row[field]
        return value is None or pd.isna(value) or norm_text(value) is None
    if f["check"] == "outdated_coverage":
        cov = legacy["coverages"]
        prim = cov[(cov["patient_id"] == key) & (cov["priority"] == 1)]
        if field == "coverage":
            return prim.empty
        latest = prim.sort_values("start_date").iloc[-1]
        if field == "end_date":
            return pd.Timestamp(latest["end_date"]) < go_live
        return pd.isna(latest["verified_at"]) or (go_live - pd.Timestamp(latest["verified_at"]).normalize()).days > 365
    twin = _twin(new, table, key)
    lrow = legacy[table].set_index(kcol).loc[key]
    if f["check"] == "field_mismatch":
        a, b = lrow[field], twin[field]
        if field in REF:
            target = new[REF[field]].set_index(TABLES[REF[field]].key[0])
            b = target.loc[b, "legacy_id"] if b in target.index else None
            return a != b
        if field == "phone":
            return norm_phone(a) != norm_phone(b)
        if isinstance(a, str) or isinstance(b, str):
            return norm_text(a) != norm_text(b)
        return not ((pd.isna(a) and pd.isna(b)) or a == b)
    if f["check"] == "ar_balance_mismatch":
        lb = balances(_cents(legacy, "claims"), _cents(legacy, "payments"), _cents(legacy, "adjustments"), cut)
        nb = balances(_cents(new, "claims"), _cents(new, "payments"), _cents(new, "adjustments"), cut)
        return lb[key] != nb[twin["claim_id"]]
    if f["check"] == "authorization_visits_mismatch":
        def remaining(r):
            return (0 if pd.isna(r["visits_authorized"]) else int(r["visits_authorized"])) - (
                0 if pd.isna(r["visits_used"]) else int(r["visits_used"]))
        return remaining(lrow) != remaining(twin)
    return False


def _cents(frames: dict, table: str) -> pd.DataFrame:
    f = frames[table].copy()
    for col in ("total_charge", "amount"):
        if col in f.columns:
            f[col] = f[col].map(lambda v: int(v * 100))
    return f


def test_before_moment_books_go_live_days_in_the_new_system_with_a_reduced_load():
    legacy, new, manifest = canonical("before", locations=2, months=6)
    go_live = pd.Timestamp(manifest["go_live"])
    appts = new["appointments"]
    first_days = appts[(pd.to_datetime(appts["scheduled_start"]) >= go_live)
                       & (pd.to_datetime(appts["scheduled_start"]) < go_live + pd.Timedelta(days=14))]
    assert len(first_days) and first_days["legacy_id"].isna().all() and set(first_days["status"]) <= {"scheduled",
                                                                                                      "cancelled"}
    base = legacy["appointments"]
    base = base[(pd.to_datetime(base["scheduled_start"]) >= go_live - pd.Timedelta(days=90))
                & (pd.to_datetime(base["scheduled_start"]) < pd.Timestamp(manifest["today"]))
                & base["status"].isin(["scheduled", "completed", "no_show", "late_cancel"])]
    base_days = pd.to_datetime(base["scheduled_start"]).dt.normalize().nunique()
    new_days = pd.to_datetime(first_days["scheduled_start"]).dt.normalize().nunique()
    new_loc = new["locations"].set_index("location_id")["legacy_id"]
    ratio = {}
    for loc, group in first_days[first_days["status"] == "scheduled"].groupby("location_id"):
        legacy_loc = new_loc[loc]
        per_day_base = base.loc[base["location_id"] == legacy_loc, "duration_minutes"].sum() / base_days
        ratio[legacy_loc] = group["duration_minutes"].sum() / new_days / per_day_base
    assert ratio["L01"] > 0.9, ratio  # the location that did not cut its schedule
    assert 0.6 < ratio["L02"] < 0.85, ratio
