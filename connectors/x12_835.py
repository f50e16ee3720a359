"""X12 835 connector: a folder of electronic remittance advice files (005010X221A1) -> remits,
payments and adjustments.

The source's ``url`` is the folder (``/path/to/eras`` or ``file:///path/to/eras``). Every regular
file in it whose name does not start with ``.`` is read (not sub-folders), in name order. No mapping
file is needed: the 835 layout is a standard, so the columns below are fixed. Everything is parsed and
checked in :meth:`X12Folder835Connector.check`, before the sync writes anything; a problem stops the
sync with the file, the segment number (1-based, counted from the file's first segment) and what is
wrong.

Reading a file
--------------
- A UTF-8 byte order mark and whitespace or line breaks around segments are dropped. Text that is not
  UTF-8 is read as Latin-1 (X12 uses ASCII; only names could differ).
- Delimiters come from the ISA header: element separator = the 4th character, component separator =
  ISA16, segment terminator = the character after ISA16. The ISA is found by counting 16 element
  separators, so an ISA that is not fixed-width (padding trimmed) still works. A file without ISA
  (a bare ``ST*835`` fragment) uses ``*``, ``:`` and ``~``. A line break may be the terminator
  (then a cut-off file is recognised by its missing SE/GE/IEA trailers only).
- A file is refused when: it has no ISA and does not start with an ST or GS segment; its transaction
  is not an 835 (ST01); its last segment has no terminator, or an ST has no SE, a GS no GE or an ISA no
  IEA (a truncated file); a CLP lacks CLP01-CLP04; an amount is not a number (``-12.5``, ``100``); a
  date is not a valid CCYYMMDD; a CAS group code is not CO, PR, OA, PI or CR, or a CAS reason has no
  amount; a transaction has neither a DTM*405 nor a BPR16 date; a CLP comes before any ST.
- Not checked on purpose, because real payers' files get them wrong and they change no figure here:
  SE01 segment counts, IEA/GE control numbers, SVC amounts and composites (some files use ``>`` inside
  SVC01 while ISA16 is ``:``), the ISA version.

Canonical rows (one remit per CLP)
----------------------------------
remits
    ``remit_id`` = ``<file name>:<transaction n>:<claim nnnn>`` (transaction ordinal in the file, CLP
    ordinal in the transaction, zero-padded so text order is file order). CLP01 alone is not unique
    (payers repeat it, e.g. one eMedNY sample uses one CLP01 for three claims) and TRN02 (the check or
    EFT number) repeats across payers, so the key is positional; it is stable as long as the file keeps
    its name (the sync replaces the whole source each time). ``claim_id`` = CLP01, the patient control
    number the practice sent on its 837. ``payer_id`` = N104 of the transaction's N1*PR (the payer's
    identifier), else its name N102. ``received_date`` = DTM*405 (production date), else BPR16 (payment
    effective date). ``claim_status_code`` = CLP02 as written (a code outside the canonical list, e.g.
    25 "predetermination", is reported by the sync's code-list check). ``charge_amount`` = CLP03,
    ``paid_amount`` = CLP04, ``patient_responsibility`` = CLP05 (null when absent), ``via_era`` = true.
payments
    One per claim whose CLP04 is not zero (negative CLP04 on a reversal is a recoupment: a negative
    payment). ``payment_id`` = the remit_id, ``claim_id`` = CLP01, ``payer_id`` as above,
    ``payment_date`` = BPR16 (when the money moves), else DTM*405; ``amount`` = CLP04; ``method`` = era.
adjustments
    One per CAS group/reason/amount triplet (up to six per CAS segment), at claim level (CAS right
    after CLP) and service-line level (CAS after an SVC). ``adjustment_id`` = ``<remit_id>:<nnn>`` in
    file order; ``remit_id`` and ``claim_id`` of its claim; ``adjustment_date`` = the remit's
    ``received_date``; ``group_code`` = CAS01; ``reason_code`` = the CARC; ``amount`` as written
    (negative amounts kept). ``claim_line_id`` = the service line's REF*6R (line item control number:
    the practice's own line identifier echoed back by the payer) when present, else null; null for
    claim-level adjustments. ``remark_code`` = the line's first LQ*HE remark for line-level
    adjustments; for claim-level ones the first remark of MOA03-MOA07 or MIA05/MIA20-MIA24; else null.
Not loaded
    PLB provider-level adjustments (not tied to a claim), SVC rows (the canonical tables have no service
    line of a remit), 2100 names and addresses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow as pa

from connectors.base import TableStream
from warehouse.errors import UserFacingError, ValidationError

GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")
MAX_PROBLEMS = 50
AMOUNT = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
CENT = Decimal("0.01")
TABLE_ORDER = ("remits", "payments", "adjustments")


class X12Error(Exception):
    """One problem in one file, already worded for the user."""


@dataclass
class Segment:
    number: int  # 1-based position in the file
    elements: list[str]

    @property
    def tag(self) -> str:
        return self.elements[0]

    def get(self, index: int) -> str:
        """Element ``index`` (1-based, as X12 numbers them), stripped; '' when absent."""
        return self.elements[index].strip() if index < len(self.elements) else ""

    def text(self, limit: int = 60) -> str:
        raw = "*".join(self.elements)
        return raw if len(raw) <= limit else raw[:limit] + "..."


@dataclass
class Delimiters:
    element: str = "*"
    component: str = ":"
    segment: str = "~"


@dataclass
class Rows:
    """Canonical rows of one folder, as lists of dicts per table."""

    remits: list[dict] = field(default_factory=list)
    payments: list[dict] = field(default_factory=list)
    adjustments: list[dict] = field(default_factory=list)

    def table(self, name: str) -> list[dict]:
        return getattr(self, name)


# ------------------------------------------------------------------------------------------ tokenizing


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def delimiters(text: str, name: str) -> Delimiters:
    """Delimiters from the ISA header (see the module docstring); defaults without ISA."""
    if not text.startswith("ISA"):
        return Delimiters()
    if len(text) < 4:
        raise X12Error(f"{name}: the ISA header is cut short; the file looks truncated")
    element = text[3]
    count = 0
    for i, ch in enumerate(text):
        if ch == element:
            count += 1
            if count == 16:
                if i + 2 >= len(text):
                    raise X12Error(f"{name}: the file ends inside its ISA header; the file looks truncated")
                return Delimiters(element=element, component=text[i + 1], segment=text[i + 2])
    raise X12Error(f"{name}: the ISA header has fewer than 16 elements (separator {element!r}); "
                   f"the file is not a complete X12 interchange")


def tokenize(text: str, name: str) -> list[Segment]:
    """Segments of one file (BOM and whitespace around segments dropped)."""
    text = text.lstrip("\ufeff").strip()
    if not text:
        raise X12Error(f"{name}: the file is empty")
    delims = delimiters(text, name)
    pieces = text.split(delims.segment)
    # the text was stripped, so with a line break as terminator the last segment has lost its own
    tail = "" if delims.segment.isspace() else pieces.pop().strip()
    segments = [Segment(0, p.strip().split(delims.element)) for p in pieces if p.strip()]
    for i, seg in enumerate(segments, start=1):
        seg.number = i
    if not text.startswith("ISA"):
        first = segments[0].tag if segments else tail.split(delims.element)[0]
        if first not in ("ST", "GS"):
            raise X12Error(f"{name}: not an X12 file: no ISA header, and the first segment {first[:20]!r} is "
                           f"not ST or GS (expected segments like ST*835*0001~)")
    if tail:
        raise X12Error(f"{name}: segment {len(segments) + 1} ({_short(tail)!r}) has no segment terminator "
                       f"{delims.segment!r}: the file looks truncated; ask the payer or clearinghouse "
                       f"for it again")
    return segments


# ------------------------------------------------------------------------------------------ parsing


@dataclass
class _Claim:
    remit: dict
    adjustments: list[dict] = field(default_factory=list)
    claim_remark: str | None = None
    line_id: str | None = None  # current service line's REF*6R
    line_adjustments: list[dict] = field(default_factory=list)  # current line's, for LQ remarks
    line_remark: str | None = None
    in_line: bool = False


class _FileParser:
    """Walks one file's segments and builds its canonical rows; problems are collected, not raised."""

    def __init__(self, name: str, segments: list[Segment]):
        self.name = name
        self.segments = segments
        self.problems: list[str] = []
        self.rows = Rows()
        self.tx_count = 0
        self.tx: dict | None = None
        self.claim: _Claim | None = None
        self.claims: list[_Claim] = []

    def problem(self, seg: Segment, what: str) -> None:
        self.problems.append(f"{self.name}: segment {seg.number} ({seg.text()!r}): {what}")

    def amount(self, seg: Segment, index: int, label: str, required: bool = True) -> Decimal | None:
        raw = seg.get(index)
        if raw == "":
            if required:
                self.problem(seg, f"{seg.tag}{index:02d} ({label}) is missing")
            return None
        if not AMOUNT.match(raw):
            self.problem(seg, f"{seg.tag}{index:02d} ({label}) {raw!r} is not a number")
            return None
        return Decimal(raw).quantize(CENT, rounding=ROUND_HALF_UP)

    def date(self, seg: Segment, index: int, label: str) -> dt.date | None:
        raw = seg.get(index)
        if raw == "":
            return None
        try:
            if not re.fullmatch(r"\d{8}", raw):
                raise ValueError
            return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError:
            self.problem(seg, f"{seg.tag}{index:02d} ({label}) {raw!r} is not a date in the form CCYYMMDD")
            return None

    def parse(self) -> Rows:
        open_envelopes: dict[str, Segment] = {}
        for seg in self.segments:
            tag = seg.tag.strip().upper()
            if tag in ("ISA", "GS"):
                open_envelopes[tag] = seg
            elif tag == "IEA":
                open_envelopes.pop("ISA", None)
            elif tag == "GE":
                open_envelopes.pop("GS", None)
            elif tag == "ST":
                self.start_transaction(seg)
            elif tag == "SE":
                self.end_transaction()
            elif self.tx is None:
                if tag in ("CLP", "CAS", "BPR", "SVC"):
                    self.problem(seg, f"{tag} outside a transaction (no ST*835 before it)")
            else:
                self.segment(tag, seg)
        if self.tx is not None:
            start = self.tx["st"]
            self.problem(start, f"the transaction that starts here has no SE trailer: the file looks truncated "
                                f"(it ends at segment {len(self.segments)})")
        for tag, closing in (("GS", "GE"), ("ISA", "IEA")):
            if tag in open_envelopes:
                self.problem(open_envelopes[tag], f"this {tag} has no {closing} trailer: the file looks truncated")
        if not self.problems and self.tx_count == 0:
            self.problems.append(f"{self.name}: no ST*835 transaction found in {len(self.segments)} segments")
        return self.rows

    def start_transaction(self, seg: Segment) -> None:
        if self.tx is not None:
            self.problem(seg, "a new ST starts before the previous transaction's SE: the file is cut or merged")
            self.end_transaction()
        kind = seg.get(1)
        if kind != "835":
            self.problem(seg, f"this is an X12 {kind or '(blank)'} transaction, not an 835 remittance advice; "
                              f"keep only 835 files in this folder")
        self.tx_count += 1
        self.tx = {"st": seg, "n": self.tx_count, "bpr16": None, "dtm405": None, "payer": None,
                   "bpr": None}
        self.claims = []

    def segment(self, tag: str, seg: Segment) -> None:
        tx = self.tx
        assert tx is not None
        if tag == "BPR":
            tx["bpr"] = seg
            self.amount(seg, 2, "total payment amount")
            tx["bpr16"] = self.date(seg, 16, "payment effective date")
        elif tag == "DTM" and self.claim is None and seg.get(1) == "405":
            tx["dtm405"] = self.date(seg, 2, "production date")
        elif tag == "DTM":
            return
        elif tag == "N1" and self.claim is None and seg.get(1) == "PR":
            tx["payer"] = seg.get(4) or seg.get(2) or None
        elif tag == "CLP":
            self.start_claim(seg)
        elif self.claim is None:
            if tag in ("CAS", "SVC"):
                self.problem(seg, f"{tag} before any CLP claim in this transaction")
        elif tag == "SVC":
            self.claim.in_line = True
            self.claim.line_id = None
            self.claim.line_adjustments = []
            self.claim.line_remark = None
        elif tag == "CAS":
            self.cas(seg)
        elif tag == "REF" and self.claim.in_line and seg.get(1) == "6R":
            self.claim.line_id = seg.get(2) or None
            for adj in self.claim.line_adjustments:
                adj["claim_line_id"] = self.claim.line_id
        elif tag == "LQ" and self.claim.in_line and seg.get(1) == "HE" and self.claim.line_remark is None:
            self.claim.line_remark = seg.get(2) or None
            for adj in self.claim.line_adjustments:
                adj["remark_code"] = self.claim.line_remark
        elif tag in ("MOA", "MIA") and not self.claim.in_line and self.claim.claim_remark is None:
            indexes = (3, 4, 5, 6, 7) if tag == "MOA" else (5, 20, 21, 22, 23, 24)
            codes = [seg.get(i) for i in indexes if seg.get(i)]
            if codes:
                self.claim.claim_remark = codes[0]
                for adj in self.claim.adjustments:
                    if adj.get("_level") == "claim":
                        adj["remark_code"] = codes[0]

    def start_claim(self, seg: Segment) -> None:
        tx = self.tx
        assert tx is not None
        labels = {1: "patient control number", 2: "claim status code", 3: "total claim charge",
                  4: "claim payment amount"}
        missing = [f"CLP{i:02d} ({label})" for i, label in labels.items() if seg.get(i) == ""]
        self.claim = None
        if missing:
            self.problem(seg, f"the claim is incomplete: {', '.join(missing)} missing")
            return
        charge = self.amount(seg, 3, labels[3])
        paid = self.amount(seg, 4, labels[4])
        responsibility = self.amount(seg, 5, "patient responsibility", required=False)
        position = len(self.claims) + 1
        remit_id = f"{self.name}:{tx['n']}:{position:04d}"
        remit = {"remit_id": remit_id, "claim_id": seg.get(1), "payer_id": None, "received_date": None,
                 "claim_status_code": seg.get(2), "charge_amount": charge, "paid_amount": paid,
                 "patient_responsibility": responsibility, "via_era": True}
        self.claim = _Claim(remit=remit)
        self.claims.append(self.claim)

    def cas(self, seg: Segment) -> None:
        claim = self.claim
        assert claim is not None
        group = seg.get(1)
        if group not in GROUP_CODES:
            self.problem(seg, f"CAS01 group code {group!r} is not one of {', '.join(GROUP_CODES)}")
            return
        found = False
        for first in range(2, 20, 3):  # triplets at 2-4, 5-7, ... 17-19
            reason, raw_amount = seg.get(first), seg.get(first + 1)
            if not reason and not raw_amount:
                continue
            if not reason:
                self.problem(seg, f"CAS{first + 1:02d} amount {raw_amount!r} has no reason code in CAS{first:02d}")
                continue
            amount = self.amount(seg, first + 1, f"amount of reason {reason}")
            if amount is None:
                continue
            found = True
            level = "line" if claim.in_line else "claim"
            adj = {"adjustment_id": None, "claim_id": claim.remit["claim_id"],
                   "claim_line_id": claim.line_id if claim.in_line else None,
                   "remit_id": claim.remit["remit_id"], "adjustment_date": None, "group_code": group,
                   "reason_code": reason, "amount": amount,
                   "remark_code": claim.line_remark if claim.in_line else claim.claim_remark, "_level": level}
            claim.adjustments.append(adj)
            if claim.in_line:
                claim.line_adjustments.append(adj)
        if not found and not any(seg.get(i) for i in range(2, 20)):
            self.problem(seg, "CAS has a group code but no reason code and amount")

    def end_transaction(self) -> None:
        tx = self.tx
        if tx is None:
            return
        received = tx["dtm405"] or tx["bpr16"]
        paid_on = tx["bpr16"] or tx["dtm405"]
        if self.claims and received is None:
            self.problem(tx["st"], "the transaction has no DTM*405 production date and no BPR16 payment date, "
                                   "so its remits have no date")
        if self.claims and tx["payer"] is None:
            self.problem(tx["st"], "the transaction has no N1*PR payer name or identifier")
        for claim in self.claims:
            remit = claim.remit
            remit["payer_id"] = tx["payer"]
            remit["received_date"] = received
            self.rows.remits.append(remit)
            if remit["paid_amount"] is not None and remit["paid_amount"] != 0:
                self.rows.payments.append({"payment_id": remit["remit_id"], "claim_id": remit["claim_id"],
                                           "payer_id": tx["payer"], "payment_date": paid_on,
                                           "amount": remit["paid_amount"], "method": "era"})
            for n, adj in enumerate(claim.adjustments, start=1):
                adj.pop("_level", None)
                adj["adjustment_id"] = f"{remit['remit_id']}:{n:03d}"
                adj["adjustment_date"] = received
                self.rows.adjustments.append(adj)
        self.tx = None
        self.claim = None
        self.claims = []


def parse_file(path: Path, name: str | None = None) -> tuple[Rows, list[str]]:
    """Canonical rows of one 835 file and the problems found (empty when the file is usable)."""
    name = name or path.name
    try:
        segments = tokenize(decode(path.read_bytes()), name)
    except X12Error as exc:
        return Rows(), [str(exc)]
    except OSError as exc:
        return Rows(), [f"{name}: cannot be read ({exc.strerror or exc})"]
    parser = _FileParser(name, segments)
    rows = parser.parse()
    return rows, parser.problems


def segments_of(path: Path) -> list[Segment]:
    """The segments of one file (for tests and diagnostics); raises UserFacingError when unreadable."""
    try:
        return tokenize(decode(path.read_bytes()), path.name)
    except X12Error as exc:
        raise UserFacingError(str(exc)) from exc


# ------------------------------------------------------------------------------------------ connector


def folder_path(url: str) -> Path:
    if url.startswith("file://"):
        url = url[len("file://"):]
    return Path(url).resolve()


def read_folder(folder: Path) -> tuple[Rows, list[str]]:
    """All 835 files of a folder: their rows together, and every problem (capped at MAX_PROBLEMS)."""
    rows, problems = Rows(), []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        file_rows, file_problems = parse_file(path)
        problems.extend(file_problems)
        for table in TABLE_ORDER:
            rows.table(table).extend(file_rows.table(table))
    if len(problems) > MAX_PROBLEMS:
        problems = problems[:MAX_PROBLEMS] + [f"(stopped listing after {MAX_PROBLEMS} problems)"]
    return rows, problems


SCHEMAS = {
    "remits": pa.schema([("remit_id", pa.string()), ("claim_id", pa.string()), ("payer_id", pa.string()),
                         ("received_date", pa.date32()), ("claim_status_code", pa.string()),
                         ("charge_amount", pa.decimal128(18, 2)), ("paid_amount", pa.decimal128(18, 2)),
                         ("patient_responsibility", pa.decimal128(18, 2)), ("via_era", pa.bool_())]),
    "payments": pa.schema([("payment_id", pa.string()), ("claim_id", pa.string()), ("payer_id", pa.string()),
                           ("payment_date", pa.date32()), ("amount", pa.decimal128(18, 2)),
                           ("method", pa.string())]),
    "adjustments": pa.schema([("adjustment_id", pa.string()), ("claim_id", pa.string()),
                              ("claim_line_id", pa.string()), ("remit_id", pa.string()),
                              ("adjustment_date", pa.date32()), ("group_code", pa.string()),
                              ("reason_code", pa.string()), ("remark_code", pa.string()),
                              ("amount", pa.decimal128(18, 2))]),
}


# canonical column -> where it comes from in the 835 (named in the sync's messages)
SOURCE_NAMES = {
    "remits": {"remit_id": "file:transaction:CLP position", "claim_id": "CLP01", "payer_id": "N1*PR N104/N102",
               "received_date": "DTM*405 or BPR16", "claim_status_code": "CLP02", "charge_amount": "CLP03",
               "paid_amount": "CLP04", "patient_responsibility": "CLP05", "via_era": "always true"},
    "payments": {"payment_id": "the remit_id", "claim_id": "CLP01", "payer_id": "N1*PR N104/N102",
                 "payment_date": "BPR16 or DTM*405", "amount": "CLP04", "method": "always era"},
    "adjustments": {"adjustment_id": "remit_id:CAS triplet position", "claim_id": "CLP01",
                    "claim_line_id": "REF*6R of the SVC", "remit_id": "the remit_id",
                    "adjustment_date": "DTM*405 or BPR16", "group_code": "CAS01", "reason_code": "CAS02/05/...",
                    "remark_code": "LQ*HE, MOA or MIA", "amount": "CAS03/06/..."},
}


def to_arrow(table: str, rows: list[dict]) -> pa.Table:
    schema = SCHEMAS[table]
    return pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)


class X12Folder835Connector:
    """A folder of 835 files as a source: remits, payments and adjustments (no mapping file)."""

    def __init__(self, source_name: str, url: str):
        self.source_name = source_name
        self.folder = folder_path(url)
        self.label = f"source {source_name!r} (folder of X12 835 files {self.folder})"
        self._rows: Rows | None = None

    def check(self) -> None:
        if not self.folder.is_dir():
            raise UserFacingError(f"{self.label}: the folder {self.folder} does not exist")
        rows, problems = read_folder(self.folder)
        if problems:  # file names in full, so the message says where to look
            raise ValidationError([p if p.startswith("(") else f"{self.folder}/{p}" for p in problems],
                                  source=self.source_name)
        if not rows.remits and not any(p.is_file() for p in self.folder.iterdir()):
            raise UserFacingError(f"{self.label}: the folder holds no files")
        self._rows = rows

    def streams(self) -> Iterator[TableStream]:
        if self._rows is None:
            self.check()
        assert self._rows is not None
        for table in TABLE_ORDER:
            yield TableStream(table=table, origin="835 files", file=str(self.folder), options={},
                              allow_empty=table != "remits",
                              chunks=iter([to_arrow(table, self._rows.table(table))]),
                              source_names=dict(SOURCE_NAMES[table]))

    def close(self) -> None:
        self._rows = None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


__all__ = ["X12Folder835Connector", "parse_file", "read_folder", "segments_of", "tokenize"]
