"""Mapping loading (the contract's errors at load time) and the connectors on the tiny hand-made PMS."""

from __future__ import annotations

import pytest
import yaml

from connectors.csv_folder import CsvFolderConnector
from connectors.mapping import check_select, load_mapping, parse_mapping
from connectors.sql import SqlConnector
from tests.sync_helpers import MAPPING, csv_mapping, make_csv_folder, make_pms, write_mapping
from warehouse.errors import MappingError, UserFacingError


def _mapping(text: str = MAPPING):
    return parse_mapping(yaml.safe_load(text), "legacy.yaml")


def _read_all(connector) -> dict:
    connector.check()
    out = {}
    for stream in connector.streams():
        rows = []
        for chunk in stream.chunks:
            rows.extend(chunk.to_pylist())
        out[stream.table] = (rows, stream.code_problems())
    connector.close()
    return out


def test_mapping_loads_every_rule_kind():
    mapping = _mapping()
    appts = mapping.tables["appointments"]
    assert appts.source == "tblAppt" and appts.query is None
    assert appts.columns["discipline"].kind == "value" and appts.columns["discipline"].value == "PT"
    assert appts.columns["status"].kind == "coded" and appts.columns["status"].values["N"] == "no_show"
    assert appts.columns["appointment_type"].has_default and appts.columns["appointment_type"].default == "other"
    assert appts.columns["cancelled_at"].kind == "expr"
    assert mapping.tables["claims"].query.startswith("SELECT")
    # integer keys stay integers (compared with an integer column as the database returns it)
    assert mapping.tables["payers"].columns["payer_class"].values == {1: "medicare", 2: "medicaid", 3: "commercial"}


@pytest.mark.parametrize(("change", "expected"), [
    (("      status: {column: StatusCd, values: {A: completed, N: no_show, C: cancelled, L: late_cancel, "
      "S: scheduled}}\n", ""), "table appointments, column status: required canonical column is not mapped"),
    (("  locations:\n", "  location:\n"), "unknown canonical table 'location'"),
    (("      npi: NPI\n", "      npi_number: NPI\n"), "table providers, column npi_number: not a column"),
    (("    from: tblClinic\n", "    from: tblClinic\n    query: SELECT 1\n"), "give exactly one of 'from'"),
    (("      discipline: {value: PT}\n", "      discipline: {valu: PT}\n"), "table appointments, column discipline"),
    (("      name: TName\n", "      name: {column: TName, default: x}\n"), "'default' needs 'values'"),
])
def test_mapping_errors_at_load_time_name_table_and_column(change, expected):
    old, new = change
    assert old in MAPPING
    with pytest.raises(MappingError, match=None) as info:
        _mapping(MAPPING.replace(old, new))
    assert expected in str(info.value)
    assert "legacy.yaml" in str(info.value)


@pytest.mark.parametrize("query", [
    "DELETE FROM tblClaim", "UPDATE tblClaim SET TotalChg = 0", "SELECT 1; DROP TABLE tblClaim",
    "SELECT * INTO backup FROM tblClaim", "WITH d AS (DELETE FROM tblClaim RETURNING *) SELECT * FROM d",
    "SELECT * FROM tblClaim FOR UPDATE", "PRAGMA writable_schema = 1", "ATTACH DATABASE 'x.db' AS x",
])
def test_non_select_queries_are_refused(query):
    with pytest.raises(MappingError, match="must be a single read-only SELECT"):
        check_select(query, "mapping m.yaml, table claims")


@pytest.mark.parametrize("query", [
    "SELECT a FROM t", "select a from t;", "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    "SELECT a FROM t UNION ALL SELECT b FROM u", "SELECT 'DELETE; DROP' AS a FROM t",
])
def test_read_only_selects_are_accepted(query):
    check_select(query, "here")


def test_missing_mapping_file(tmp_path):
    with pytest.raises(MappingError, match="file not found"):
        load_mapping(tmp_path / "nope.yaml")


def test_sql_connector_reads_canonical_rows(tmp_path):
    db = make_pms(tmp_path / "pms.db")
    data = _read_all(SqlConnector("legacy", f"sqlite:///{db}", _mapping()))
    appts, problems = data["appointments"]
    assert problems == []
    assert [r["status"] for r in appts] == ["completed", "completed", "no_show", "cancelled", "late_cancel",
                                            "scheduled"]
    assert [r["cancelled_at"] for r in appts] == [None, None, None, "2026-01-06 08:00:00", "2026-01-09 07:00:00",
                                                  None]
    assert {r["discipline"] for r in appts} == {"PT"}
    payers, _ = data["payers"]
    assert [r["payer_class"] for r in payers] == ["medicare", "commercial"]
    providers, _ = data["providers"]
    assert [r["active"] for r in providers] == [True, True, False]
    assert [r["npi"] for r in providers] == ["1234567890", None, "1987654321"]


def test_sql_connector_is_read_only(tmp_path):
    """The session cannot write even if something slipped past the SELECT check."""
    db = make_pms(tmp_path / "pms.db")
    connector = SqlConnector("legacy", f"sqlite:///{db}", _mapping())
    connector.check()
    cur = connector._raw.cursor()
    with pytest.raises(Exception, match="readonly"):
        cur.execute("DELETE FROM tblClaim")
    connector.close()


def test_code_outside_values_is_counted_and_null_stays_null(tmp_path):
    rows = {"tblPayer": [("MCR", "Medicare", 1), ("BCBS", "Blue Cross", 3), ("X1", "Odd", 9), ("X2", "Odd", 9),
                         ("X3", "None", None)]}
    db = make_pms(tmp_path / "pms.db", rows)
    data = _read_all(SqlConnector("legacy", f"sqlite:///{db}", _mapping()))
    payers, problems = data["payers"]
    assert [r["payer_class"] for r in payers] == ["medicare", "commercial", None, None, None]
    assert len(problems) == 1
    assert "table payers (from tblPayer), column payer_class (source TypeCd): 2 rows" in problems[0]
    assert "9 (2 rows)" in problems[0]


@pytest.mark.parametrize("chunk_rows", [1, 2, 1000])
def test_mixed_kinds_in_a_sqlite_column_read_the_same_in_any_chunk_size(tmp_path, chunk_rows):
    """SQLite lets text sit in a REAL column. Whether the Arrow reader or the row-by-row fallback reads a
    chunk, the values reach validation in Python's form ('150.0', not the driver's '1.500000e+02')."""
    lines = [(1, "C-1", "2026-01-05", "97161", 1, 150.0), (2, "C-1", "2026-01-05", "97110", 2, "$100.00"),
             (3, "C-1", "2026-01-05", "97140", 1, 62.5)]
    db = make_pms(tmp_path / "pms.db", {"tblClaimLine": lines})
    data = _read_all(SqlConnector("legacy", f"sqlite:///{db}", _mapping(), chunk_rows=chunk_rows))
    rows = data["claim_lines"][0]
    assert [r["claim_line_id"] for r in rows] == [1, 2, 3]
    assert [str(r["charge_amount"]) for r in rows] == ["150.0", "$100.00", "62.5"]


def test_text_keys_do_not_match_integer_codes(tmp_path):
    db = make_pms(tmp_path / "pms.db")
    text = MAPPING.replace("values: {1: medicare, 2: medicaid, 3: commercial}",
                           "values: {'1': medicare, '2': medicaid, '3': commercial}")
    data = _read_all(SqlConnector("legacy", f"sqlite:///{db}", _mapping(text)))
    assert "1 (1 rows)" in data["payers"][1][0] and "3 (1 rows)" in data["payers"][1][0]


def test_missing_columns_are_named_even_double_quoted_in_sqlite(tmp_path):
    db = make_pms(tmp_path / "pms.db")
    text = MAPPING.replace("      name: TName\n", "      name: TherapistName\n")
    with pytest.raises(MappingError, match="table providers.*TherapistName not found"):
        SqlConnector("legacy", f"sqlite:///{db}", _mapping(text)).check()
    text = MAPPING.replace("cancelled_at: {expr: \"CASE WHEN StatusCd IN ('C','L') THEN ModifiedOn END\"}",
                           "cancelled_at: {expr: '\"CancelDate\"'}")
    with pytest.raises(MappingError, match="column cancelled_at.*CancelDate not found"):
        SqlConnector("legacy", f"sqlite:///{db}", _mapping(text)).check()


def test_missing_table_and_missing_database(tmp_path):
    db = make_pms(tmp_path / "pms.db")
    text = MAPPING.replace("from: tblClinic", "from: tblClinics")
    with pytest.raises(MappingError, match="table locations: source table 'tblClinics' not found"):
        SqlConnector("legacy", f"sqlite:///{db}", _mapping(text)).check()
    with pytest.raises(UserFacingError, match="not found"):
        SqlConnector("legacy", f"sqlite:///{tmp_path}/missing.db", _mapping()).check()
    assert not (tmp_path / "missing.db").exists()  # read-only: never creates an empty database


def test_csv_folder_reads_the_same_rows_as_the_database(tmp_path):
    db = make_pms(tmp_path / "pms.db")
    folder = make_csv_folder(tmp_path / "exports")
    assert (folder / "appts.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    mapping = load_mapping(write_mapping(tmp_path / "csv.yaml", csv_mapping()))
    csv_data = _read_all(CsvFolderConnector("legacy", str(folder), mapping))
    sql_data = _read_all(SqlConnector("legacy", f"sqlite:///{db}", _mapping()))
    assert set(csv_data) == set(sql_data)
    for table in sql_data:
        assert csv_data[table][1] == []
        assert len(csv_data[table][0]) == len(sql_data[table][0])
    assert [r["status"] for r in csv_data["appointments"][0]] == [r["status"] for r in sql_data["appointments"][0]]
    assert [r["payer_class"] for r in csv_data["payers"][0]] == ["medicare", "commercial"]
    assert csv_data["appointments"][0][3]["cancelled_at"] == "01/06/2026 08:00"


def test_truncated_csv_and_wrong_encoding(tmp_path):
    folder = make_csv_folder(tmp_path / "exports")
    mapping = load_mapping(write_mapping(tmp_path / "csv.yaml", csv_mapping()))
    path = folder / "appts.csv"
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b";S;") + 2])  # cut in the middle of the last row
    with pytest.raises(UserFacingError, match=r"appts.csv \(table appointments\) looks truncated: line 7 has 8 of "
                                              r"10 fields"):
        CsvFolderConnector("legacy", str(folder), mapping).check()
    folder = make_csv_folder(tmp_path / "exports2", rows={"tblPatient": [(100, "Zoë", "Moss", "1950-02-03", None)]})
    path = folder / "patients.csv"
    path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("cp1252"))
    connector = CsvFolderConnector("legacy", str(folder), mapping)
    with pytest.raises(UserFacingError, match=r"patients.csv \(table patients\) is not valid utf-8-sig text.*"
                                              r"encoding: cp1252"):
        _read_all(connector)


def test_an_expression_named_like_a_source_column_leaves_that_column_alone(tmp_path):
    """A source column called ``payer_id`` feeds patient_id while the expression of the canonical
    payer_id reads another column: each keeps its own values, from a database and from a CSV export."""
    db = make_pms(tmp_path / "pms.db")
    text = MAPPING.replace("SELECT c.ClaimNo, c.PatID, c.PayerID", "SELECT c.ClaimNo, c.PatID AS payer_id, c.PayerID") \
        .replace("      patient_id: PatID\n      payer_id: PayerID\n",
                 "      patient_id: payer_id\n      payer_id: {expr: \"lower(PayerID)\"}\n")
    claims = _read_all(SqlConnector("legacy", f"sqlite:///{db}", _mapping(text)))["claims"][0]
    assert [(r["patient_id"], r["payer_id"]) for r in claims] == [(100, "mcr"), (100, "mcr"), (101, "bcbs")]

    folder = make_csv_folder(tmp_path / "exports")
    path = folder / "claims.csv"
    path.write_bytes(path.read_bytes().replace(b"ClaimNo;PatID;", b"ClaimNo;payer_id;", 1))
    csv_text = csv_mapping().replace("      patient_id: PatID\n      payer_id: PayerID\n",
                                     "      patient_id: payer_id\n      payer_id: {expr: \"lower(PayerID)\"}\n")
    mapping = load_mapping(write_mapping(tmp_path / "csv.yaml", csv_text))
    claims = _read_all(CsvFolderConnector("legacy", str(folder), mapping))["claims"][0]
    assert [(r["patient_id"], r["payer_id"]) for r in claims] == [("100", "mcr"), ("100", "mcr"), ("101", "bcbs")]
