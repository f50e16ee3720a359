"""The X12 835 connector on real public remittance files (/work/shared/external/x12, facts in
EXPECTED_FACTS.json computed independently and cross-checked with pyx12), malformed variants of them,
and one sync of a folder of 835s into a temporary warehouse."""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import load_settings
from connectors.x12_835 import X12Folder835Connector, parse_file, read_folder, segments_of
from jobs.setup import init_stores
from jobs.sync import sync_one
from tests.conftest import write_config
from warehouse.errors import UserFacingError, ValidationError
from warehouse.store import reading

EXTERNAL = Path("/work/shared/external")
X12 = EXTERNAL / "x12"
FACTS = json.loads((EXTERNAL / "EXPECTED_FACTS.json").read_text())["x12"] if EXTERNAL.exists() else {}
FILES_835 = sorted(key for key, value in FACTS.items() if value["type"] == "835")
# Real files with a flaw the connector refuses (checked below with their messages):
REFUSED = {
    "x12/oopfactory-x12parser/835/Example1.txt": "segment 98 ('CLP*090909*22'): the claim is incomplete: "
                                                 "CLP03 (total claim charge), CLP04 (claim payment amount) missing",
    "x12/linuxforhealth-x12/835/managed-care.835": "segment 4 ('BPR*I*945.00*C*ACH*CCP*01*888999777*DA*24681012"
                                                   "*1935665544**...'): BPR16 (payment effective date) '20002316' "
                                                   "is not a date in the form CCYYMMDD",
}
CLEAN = [key for key in FILES_835 if key not in REFUSED]

pytestmark = pytest.mark.skipif(not FACTS, reason="external test data not present")


def _path(key: str) -> Path:
    return EXTERNAL / key


def _by_transaction(rows: list[dict], key: str = "remit_id") -> dict[int, list[dict]]:
    """Rows grouped by the transaction ordinal inside their remit_id (<file>:<n>:<claim>)."""
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[int(row[key].split(":")[1])].append(row)
    return grouped


def _sum(values) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


@pytest.mark.parametrize("key", FILES_835)
def test_claims_paid_and_cas_agree_with_the_facts(key):
    """Per transaction: CLP count, CLP03/04/05 sums, CAS amount per group and group-reason counts."""
    rows, problems = parse_file(_path(key))
    assert all(REFUSED.get(key, "\0") in p for p in problems), problems
    remits, adjustments = _by_transaction(rows.remits), _by_transaction(rows.adjustments)
    for n, tx in enumerate(FACTS[key]["transactions"], start=1):
        claims = remits.get(n, [])
        truncated = Counter({"22": 1}) if "CLP*090909*22" in REFUSED.get(key, "") else Counter()
        assert len(claims) == tx["clp"] - truncated.total(), (key, n)
        assert _sum(r["paid_amount"] for r in claims) == Decimal(tx["clp04"]), (key, n)
        assert _sum(r["charge_amount"] for r in claims) == Decimal(tx["clp03"]), (key, n)
        assert _sum(r["patient_responsibility"] for r in claims) == Decimal(tx["clp05"]), (key, n)
        assert Counter(r["claim_status_code"] for r in claims) == Counter(tx["clp02"]) - truncated, (key, n)
        adjs = adjustments.get(n, [])
        by_group: dict[str, Decimal] = defaultdict(Decimal)
        for a in adjs:
            by_group[a["group_code"]] += a["amount"]
        assert {g: v for g, v in by_group.items()} == {g: Decimal(v) for g, v in tx["cas_amount"].items()}, (key, n)
        assert Counter(f"{a['group_code']}-{a['reason_code']}" for a in adjs) == Counter(tx["cas_reason"]), (key, n)


@pytest.mark.parametrize("key", FILES_835)
def test_claim_counts_at_segment_level(key):
    """The tokenizer sees every CLP and CAS segment (including Example1's truncated last claim)."""
    segments = segments_of(_path(key))
    counts = Counter(s.tag for s in segments)
    assert len(segments) == FACTS[key]["segments"]
    assert counts["CLP"] == sum(tx["clp"] for tx in FACTS[key]["transactions"])
    assert counts["CAS"] == sum(sum(tx["cas_segments"].values()) for tx in FACTS[key]["transactions"])


@pytest.mark.parametrize("key", [k for k in CLEAN if not any(tx["claims_not_balancing"]
                                                             for tx in FACTS[k]["transactions"])])
def test_every_claim_balances(key):
    """CLP03 - all CAS of the claim and its lines = CLP04, where the facts say every claim balances."""
    rows, problems = parse_file(_path(key))
    assert problems == []
    cas = defaultdict(Decimal)
    for a in rows.adjustments:
        cas[a["remit_id"]] += a["amount"]
    for remit in rows.remits:
        assert remit["charge_amount"] - cas[remit["remit_id"]] == remit["paid_amount"], remit["remit_id"]


def test_rows_of_one_file_by_hand():
    """united_healthcare_legacy_sample.txt: payer N104, DTM*405 date, line ids, the easy-to-miss 2nd triplet."""
    rows, problems = parse_file(_path("x12/edi-835-parser/835/united_healthcare_legacy_sample.txt"))
    assert problems == []
    first = rows.remits[0]
    assert first["remit_id"] == "united_healthcare_legacy_sample.txt:1:0001"
    assert (first["claim_id"], first["payer_id"], str(first["received_date"]), first["via_era"]) == \
        ("001-18573-358", "87726", "2021-02-01", True)
    second_triplet = [a for a in rows.adjustments if a["group_code"] == "PR" and a["reason_code"] == "1"
                      and a["amount"] == Decimal("110.00")]
    assert len(second_triplet) == 1
    assert all(a["claim_line_id"] for a in rows.adjustments)  # every CAS here is on a line with REF*6R
    assert [p["method"] for p in rows.payments] == ["era", "era"]
    assert [p["payment_id"] for p in rows.payments] == [r["remit_id"] for r in rows.remits]


def test_denied_claim_and_remarks():
    """835_mult_loops.txt: status 4, no payment row, LQ*HE remark on each line's adjustments."""
    rows, problems = parse_file(_path("x12/pyx12/835/835_mult_loops.txt"))
    assert problems == []
    assert [r["claim_status_code"] for r in rows.remits] == ["4"]
    assert rows.payments == []
    assert {a["remark_code"] for a in rows.adjustments} == {"N14"}
    assert [a["adjustment_id"] for a in rows.adjustments] == [
        "835_mult_loops.txt:1:0001:001", "835_mult_loops.txt:1:0001:002", "835_mult_loops.txt:1:0001:003"]


def test_repeated_patient_control_numbers_get_distinct_remit_ids():
    rows, _ = parse_file(_path("x12/edi-835-parser/835/emedny_sample.txt"))
    assert {r["claim_id"] for r in rows.remits} == {"PATIENT ACCOUNT NUMBER"}
    assert len({r["remit_id"] for r in rows.remits}) == 3


def test_payment_date_is_bpr16_and_received_date_is_dtm405():
    rows, _ = parse_file(_path("x12/edi-835-parser-affect-fork/835/nevada_medicaid.txt"))
    assert {str(r["received_date"]) for r in rows.remits} == {"2018-06-13"}
    rows, _ = parse_file(_path("x12/edi-835-parser/835/blue_cross_nc_sample.txt"))  # no ISA at all
    assert [str(p["payment_date"]) for p in rows.payments] == ["2011-01-08"]
    assert [str(r["received_date"]) for r in rows.remits] == ["2011-01-04"]


@pytest.mark.parametrize("key", sorted(REFUSED))
def test_real_files_with_flaws_are_refused_with_file_and_segment(key):
    _, problems = parse_file(_path(key))
    assert problems == [f"{Path(key).name}: {REFUSED[key]}"]


# ------------------------------------------------------------------------------------------ malformed


def _variant(tmp_path: Path, name: str, text: str | bytes) -> Path:
    folder = tmp_path / "eras"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def _problems_of(folder: Path) -> list[str]:
    with pytest.raises(ValidationError) as info:
        X12Folder835Connector("eras", str(folder)).check()
    prefix = f"{folder.resolve()}/"
    assert all(p.startswith(prefix) for p in info.value.problems), info.value.problems
    return [p[len(prefix):] for p in info.value.problems]


def test_truncated_file(tmp_path):
    data = _path("x12/edi-835-parser/835/emedny_sample.txt").read_bytes()
    path = _variant(tmp_path, "cut.835", data[: len(data) // 2])
    problems = _problems_of(path.parent)
    assert len(problems) == 1
    assert problems[0].startswith("cut.835: segment ")
    assert "has no segment terminator '~': the file looks truncated" in problems[0]


def test_file_cut_at_a_segment_end(tmp_path):
    text = _path("x12/linuxforhealth-x12/835/tertiary-payment.835").read_text()
    cut = text[: text.index("SE*")]
    problems = _problems_of(_variant(tmp_path, "cut.835", cut).parent)
    assert "cut.835: segment 3 ('ST*835*0001'): the transaction that starts here has no SE trailer" in problems[0]
    assert any("this GS has no GE trailer" in p for p in problems)
    assert any("this ISA has no IEA trailer" in p for p in problems)


def test_corrupt_amount(tmp_path):
    text = _path("x12/edi-835-parser/835/blue_cross_nc_sample.txt").read_text()
    bad = text.replace("CLP*200200964A52*1*2100*1922.86", "CLP*200200964A52*1*2100*19S2.86")
    problems = _problems_of(_variant(tmp_path, "bc.txt", bad).parent)
    assert problems == ["bc.txt: segment 15 ('CLP*200200964A52*1*2100*19S2.86*142.54*15*94151100100'): "
                        "CLP04 (claim payment amount) '19S2.86' is not a number"]


def test_corrupt_cas_amount_and_group(tmp_path):
    text = _path("x12/edi-835-parser/835/blue_cross_nc_sample.txt").read_text()
    bad = text.replace("CAS*CO*42*34.6", "CAS*CO*42*34,6").replace("CAS*PR*3*25", "CAS*XX*3*25")
    problems = _problems_of(_variant(tmp_path, "bc.txt", bad).parent)
    assert problems == ["bc.txt: segment 20 ('CAS*CO*42*34,6'): CAS03 (amount of reason 42) '34,6' is not a number",
                        "bc.txt: segment 26 ('CAS*XX*3*25'): CAS01 group code 'XX' is not one of CO, PR, OA, PI, CR"]


def test_bad_production_date(tmp_path):
    text = _path("x12/pyx12/835/835_mult_loops.txt").read_text()
    bad = text.replace("DTM*405*20130901", "DTM*405*20130931")
    assert bad != text
    problems = _problems_of(_variant(tmp_path, "m.txt", bad).parent)
    assert len(problems) == 1
    assert problems[0].endswith("DTM02 (production date) '20130931' is not a date in the form CCYYMMDD")


def test_not_x12_and_not_835(tmp_path):
    _variant(tmp_path, "notes.txt", "Remittance for March\nCheck 1234\n")
    shutil.copy(_path("x12/linuxforhealth-x12/837p/demo.example8.837"), tmp_path / "eras" / "claim.837")
    problems = _problems_of(tmp_path / "eras")
    assert problems[0].startswith("claim.837: segment 3 ('ST*837*")
    assert problems[0].endswith("this is an X12 837 transaction, not an 835 remittance advice; "
                                "keep only 835 files in this folder")
    assert problems[1] == ("notes.txt: not an X12 file: no ISA header, and the first segment "
                           "'Remittance for March' is not ST or GS (expected segments like ST*835*0001~)")


def test_missing_folder_and_empty_folder(tmp_path):
    with pytest.raises(UserFacingError, match="does not exist"):
        X12Folder835Connector("eras", str(tmp_path / "nope")).check()
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserFacingError, match="holds no files"):
        X12Folder835Connector("eras", str(tmp_path / "empty")).check()


def test_folder_reads_every_clean_file():
    rows, problems = read_folder(X12 / "linuxforhealth-x12" / "835")
    assert problems == [f"managed-care.835: {REFUSED['x12/linuxforhealth-x12/835/managed-care.835']}"]


# ------------------------------------------------------------------------------------------ sync


def test_sync_a_folder_of_835s(tmp_path):
    folder = tmp_path / "eras"
    folder.mkdir()
    for key in CLEAN:
        shutil.copy(_path(key), folder / Path(key).name)
    # Example1.txt has CLP02 = 25 besides its truncated claim; the clean files use only canonical codes
    sources = f'''
[[sources]]
name = "eras"
role = "new"
kind = "x12"
url = "{folder}"
'''
    settings = load_settings(write_config(tmp_path / "practice", sources=sources))
    init_stores(settings)
    view = sync_one(settings, "eras", actor="cli")
    assert view.outcome == "success", view.error
    claims = sum(FACTS[k]["transactions"][i]["clp"] for k in CLEAN for i in range(len(FACTS[k]["transactions"])))
    rows, _ = read_folder(folder)
    assert view.rows == {"remits": claims, "payments": len(rows.payments), "adjustments": len(rows.adjustments)}
    paid = sum(Decimal(tx["clp04"]) for k in CLEAN for tx in FACTS[k]["transactions"])
    cas = sum(Decimal(v) for k in CLEAN for tx in FACTS[k]["transactions"] for v in tx["cas_amount"].values())
    with reading(settings.warehouse_url) as con:
        remits = con.table("remits").to_pandas()
        adjustments = con.table("adjustments").to_pandas()
        payments = con.table("payments").to_pandas()
    assert len(remits) == claims
    assert Decimal(str(remits.paid_amount.sum())) == paid
    assert Decimal(str(payments.amount.sum())) == paid
    assert Decimal(str(adjustments.amount.sum())) == cas
    assert set(remits.source_system) == {"eras"} and remits.via_era.all()
    assert set(payments.method) == {"era"}

    # a bad file added later: the sync fails, names it, and the warehouse keeps the previous rows
    (folder / "zz-cut.835").write_bytes((folder / "emedny_sample.txt").read_bytes()[:900])
    failed = sync_one(settings, "eras", actor="cli")
    assert failed.outcome == "failed"
    assert f"{folder}/zz-cut.835: segment" in failed.error and "looks truncated" in failed.error
    with reading(settings.warehouse_url) as con:
        assert con.table("remits").count().execute() == claims


def test_line_breaks_as_segment_terminator(tmp_path):
    """Some payers end segments with a line break (the character after ISA16 is then a newline)."""
    text = _path("x12/linuxforhealth-x12/835/secondary-payment.835").read_text().replace("~", "\r\n")
    rows, problems = parse_file(_variant(tmp_path, "crlf.835", text))
    assert problems == []
    assert len(rows.remits) == 2 and _sum(r["paid_amount"] for r in rows.remits) == Decimal("1222.00")
    _, problems = parse_file(_variant(tmp_path, "crlf-cut.835", text[: text.index("SE*")]))
    assert any("has no SE trailer" in p for p in problems)
