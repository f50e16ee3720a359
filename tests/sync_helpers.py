"""A tiny hand-made PMS (SQLite) and its mapping, for connector and sync tests.

Small enough to compute every expected value by hand: 2 clinics, 3 therapists, 2 payers, 4 patients,
6 appointments, 3 claims with 4 lines. Old-style names (tblAppt, ApptID, single-letter codes), money
as REAL, dates as text, an integer-coded column (TypeCd) and a Y/N flag, like a real legacy system.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import duckdb

# No primary keys, like many legacy databases: duplicates are possible and the sync must catch them.
SCHEMA = """
CREATE TABLE tblClinic (ClinicID INTEGER, ClinicName TEXT, St TEXT);
CREATE TABLE tblTherapist (TherapistID INTEGER, TName TEXT, Disc TEXT, Cred TEXT, ClinicID INTEGER,
                           NPI TEXT, ActiveYN TEXT);
CREATE TABLE tblPayer (PayerID TEXT, PayerName TEXT, TypeCd INTEGER);
CREATE TABLE tblPatient (PatID INTEGER, FName TEXT, LName TEXT, DOB TEXT, Phone TEXT);
CREATE TABLE tblAppt (ApptID INTEGER, PatID INTEGER, TherapistID INTEGER, ClinicID INTEGER,
                      ApptStart TEXT, Minutes INTEGER, ApptType TEXT, StatusCd TEXT, CreatedOn TEXT, ModifiedOn TEXT);
CREATE TABLE tblClaim (ClaimNo TEXT, PatID INTEGER, PayerID TEXT, ClinicID INTEGER, DOSFrom TEXT,
                       Created TEXT, TotalChg REAL);
CREATE TABLE tblClaimLine (LineID INTEGER, ClaimNo TEXT, DOS TEXT, CPT TEXT, Units INTEGER, Chg REAL);
"""

ROWS = {
    "tblClinic": [(1, "Riverside", "OR"), (2, "Hillcrest", "OR")],
    "tblTherapist": [(10, "Ana Ruiz", "PT", "PT", 1, "1234567890", "Y"), (11, "Ben Cole", "OT", "COTA", 1, None, "Y"),
                     (12, "Cy Dunn", "SLP", "SLP", 2, "1987654321", "N")],
    "tblPayer": [("MCR", "Medicare", 1), ("BCBS", "Blue Cross", 3)],
    "tblPatient": [(100, "Ida", "Moss", "1950-02-03", "555-0100"), (101, "Jon", "Park", "1980-11-30", None),
                   (102, "Kay", "Lee", "2001-07-04", "555-0102"), (103, "Lu", "Chen", None, "555-0103")],
    "tblAppt": [
        (1000, 100, 10, 1, "2026-01-05 09:00:00", 45, "EV", "A", "2025-12-20 10:00:00", None),
        (1001, 100, 10, 1, "2026-01-07 09:00:00", 45, "TX", "A", "2025-12-20 10:00:00", None),
        (1002, 101, 11, 1, "2026-01-07 10:00:00", 30, "TX", "N", "2025-12-21 11:00:00", None),
        (1003, 102, 12, 2, "2026-01-08 14:00:00", 60, "EV", "C", "2025-12-22 12:00:00", "2026-01-06 08:00:00"),
        (1004, 103, 12, 2, "2026-01-09 15:30:00", 30, "TX", "L", "2025-12-23 09:00:00", "2026-01-09 07:00:00"),
        (1005, 101, 11, 1, "2026-01-12 10:00:00", 30, "TX", "S", "2026-01-02 09:30:00", None),
    ],
    "tblClaim": [("C-1", 100, "MCR", 1, "2026-01-05", "2026-01-06 08:00:00", 250.0),
                 ("C-2", 100, "MCR", 1, "2026-01-07", "2026-01-08 08:00:00", 120.5),
                 ("C-3", 101, "BCBS", 1, "2026-01-07", "2026-01-08 08:00:00", 99.99)],
    "tblClaimLine": [(1, "C-1", "2026-01-05", "97161", 1, 150.0), (2, "C-1", "2026-01-05", "97110", 2, 100.0),
                     (3, "C-2", "2026-01-07", "97110", 2, 120.5), (4, "C-3", "2026-01-07", "97530", 3, 99.99)],
}

MAPPING = """\
tables:
  locations:
    from: tblClinic
    columns: {location_id: ClinicID, name: ClinicName, state: St}
  providers:
    from: tblTherapist
    columns:
      provider_id: TherapistID
      name: TName
      discipline: Disc
      credential: Cred
      location_id: ClinicID
      npi: NPI
      active: {column: ActiveYN, values: {Y: true, N: false}}
  payers:
    from: tblPayer
    columns:
      payer_id: PayerID
      name: PayerName
      payer_class: {column: TypeCd, values: {1: medicare, 2: medicaid, 3: commercial}}
  patients:
    from: tblPatient
    columns: {patient_id: PatID, first_name: FName, last_name: LName, birth_date: DOB, phone: Phone}
  appointments:
    from: tblAppt
    columns:
      appointment_id: ApptID
      patient_id: PatID
      provider_id: TherapistID
      location_id: ClinicID
      discipline: {value: PT}
      scheduled_start: ApptStart
      duration_minutes: Minutes
      appointment_type: {column: ApptType, values: {EV: initial_eval, TX: follow_up}, default: other}
      status: {column: StatusCd, values: {A: completed, N: no_show, C: cancelled, L: late_cancel, S: scheduled}}
      created_at: CreatedOn
      cancelled_at: {expr: "CASE WHEN StatusCd IN ('C','L') THEN ModifiedOn END"}
  claims:
    query: "SELECT c.ClaimNo, c.PatID, c.PayerID, c.ClinicID, c.DOSFrom, c.Created, c.TotalChg FROM tblClaim c"
    columns:
      claim_id: ClaimNo
      patient_id: PatID
      payer_id: PayerID
      location_id: ClinicID
      service_date_from: DOSFrom
      created_at: Created
      total_charge: TotalChg
  claim_lines:
    from: tblClaimLine
    columns:
      claim_line_id: LineID
      claim_id: ClaimNo
      service_date: DOS
      cpt_code: CPT
      units: Units
      charge_amount: Chg
"""

EXPECTED_ROWS = {"locations": 2, "providers": 3, "payers": 2, "patients": 4, "appointments": 6, "claims": 3,
                 "claim_lines": 4}


def make_pms(path: Path, rows: dict | None = None, extra_sql: str = "") -> Path:
    """Write the tiny PMS to ``path`` (replacing it); ``rows`` overrides whole tables."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.executescript(SCHEMA)
    for table, data in {**ROWS, **(rows or {})}.items():
        if data:
            marks = ", ".join("?" * len(data[0]))
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", data)
    if extra_sql:
        con.executescript(extra_sql)
    con.commit()
    con.close()
    return path


def write_mapping(path: Path, text: str = MAPPING) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def sources_toml(url: str, mapping: Path, name: str = "legacy", kind: str = "sql") -> str:
    return f'''
[[sources]]
name = "{name}"
role = "legacy"
kind = "{kind}"
url = "{url}"
mapping = "{mapping}"
'''


def warehouse_checksum(path: Path) -> str:
    """A checksum of every table's contents (sorted rows), independent of file layout."""
    if not path.exists():
        return "missing"
    con = duckdb.connect(str(path), read_only=True)
    try:
        digest = hashlib.sha256()
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        for table in tables:
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            digest.update(table.encode())
            for row in sorted(rows, key=repr):
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        con.close()


CSV_MAPPING = MAPPING.replace("tblClinic", "clinics.csv").replace("tblTherapist", "therapists.csv") \
    .replace("tblPayer", "payers.csv").replace("tblPatient", "patients.csv").replace("tblAppt", "appts.csv") \
    .replace("tblClaimLine", "claim_lines.csv").replace(
    '    query: "SELECT c.ClaimNo, c.PatID, c.PayerID, c.ClinicID, c.DOSFrom, c.Created, c.TotalChg FROM tblClaim c"',
    "    from: claims.csv")
CSV_OPTIONS = "    options: {encoding: utf-8-sig, delimiter: ';', date_format: '%m/%d/%Y', timestamp_format: '%m/%d/%Y %H:%M'}\n"
CSV_FILES = {"tblClinic": "clinics.csv", "tblTherapist": "therapists.csv", "tblPayer": "payers.csv",
             "tblPatient": "patients.csv", "tblAppt": "appts.csv", "tblClaim": "claims.csv",
             "tblClaimLine": "claim_lines.csv"}


def csv_mapping() -> str:
    """The same mapping for a folder of exports: ';' separated, UTF-8 with BOM, US dates."""
    out = []
    for line in CSV_MAPPING.splitlines(keepends=True):
        out.append(line)
        if line.strip().startswith("from: ") and line.strip().endswith(".csv"):
            out.append(CSV_OPTIONS)
    return "".join(out)


def _us(value):
    """ISO date/time text -> the US layout an export would use."""
    import datetime as dt

    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        if len(value) == 10:
            return dt.date.fromisoformat(value).strftime("%m/%d/%Y")
        return dt.datetime.fromisoformat(value).strftime("%m/%d/%Y %H:%M")
    return value


def make_csv_folder(folder: Path, rows: dict | None = None) -> Path:
    """The tiny PMS as a folder of CSV exports (header line = the legacy column names)."""
    import csv
    import re

    folder.mkdir(parents=True, exist_ok=True)
    columns = {m.group(1): [c.strip().split()[0] for c in m.group(2).split(",")]
               for m in re.finditer(r"CREATE TABLE (\w+) \((.*?)\);", SCHEMA, re.S)}
    for table, data in {**ROWS, **(rows or {})}.items():
        with open(folder / CSV_FILES[table], "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=";", lineterminator="\n")
            writer.writerow(columns[table])
            for row in data:
                writer.writerow(["" if v is None else _us(v) for v in row])
    return folder


def copy_sqlite_to(sqlite_file: Path, url: str, lowercase: bool = True) -> dict[str, int]:
    """Load a SQLite PMS (schema and rows) into another server by SQLAlchemy URL, as a practice would
    when moving its PMS database: declared types become the server's types, names lower case
    (PostgreSQL folds unquoted names; mappings written for SQLite then still work). Returns rows per table."""
    import sqlalchemy as sa

    type_for = [("BOOL", sa.Boolean()), ("INT", sa.BigInteger()), ("REAL", sa.Float(53)), ("FLOA", sa.Float(53)),
                ("DOUB", sa.Float(53)), ("NUMERIC", sa.Numeric(18, 4)), ("DECIMAL", sa.Numeric(18, 4)),
                ("DATETIME", sa.DateTime()), ("TIMESTAMP", sa.DateTime()), ("DATE", sa.Date())]
    src = sqlite3.connect(sqlite_file)
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    counts = {}
    tables = [r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    try:
        for name in tables:
            info = src.execute(f'PRAGMA table_info("{name}")').fetchall()
            columns = []
            for _cid, col, declared, *_ in info:
                kind = next((t for key, t in type_for if key in (declared or "").upper()), sa.Text())
                columns.append(sa.Column(col.lower() if lowercase else col, kind))
            table = sa.Table(name.lower() if lowercase else name, metadata, *columns)
            metadata.create_all(engine, tables=[table])
            names = [c.name for c in columns]
            bools = [i for i, c in enumerate(columns) if isinstance(c.type, sa.Boolean)]
            cursor = src.execute(f'SELECT * FROM "{name}"')
            total = 0
            with engine.begin() as conn:
                while rows := cursor.fetchmany(5000):
                    records = []
                    for row in rows:
                        row = list(row)
                        for i in bools:
                            row[i] = None if row[i] is None else bool(row[i])
                        records.append(dict(zip(names, row, strict=True)))
                    conn.execute(table.insert(), records)
                    total += len(rows)
            counts[name] = total
    finally:
        src.close()
        engine.dispose()
    return counts


def warehouse_tables(url: str) -> dict:
    """Every canonical table of a warehouse as sorted rows of Python values (for exact comparison)."""
    from warehouse.schema import TABLES
    from warehouse.store import reading

    out = {}
    with reading(url) as con:
        for name, table in TABLES.items():
            cols = [c.name for c in table.all_columns]
            frame = con.table(name).to_pyarrow().select(cols).to_pylist()
            out[name] = sorted((tuple(r[c] for c in cols) for r in frame), key=repr)
    return out
