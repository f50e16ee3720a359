"""``manage.py kpis``: the JSON, CSV and table formats and clear errors on bad arguments."""

from __future__ import annotations

import csv
import io
import json

import pytest

import manage
from tests.kpi_practice import Practice, day
from tests.test_kpi_examples import _example_3


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    p = Practice()
    _example_3(p)
    p.claim("new", "7401", 100, "2026-04-07 09:00", payer_id="41", service_date_from=day("2026-04-06"))
    settings = p.build(tmp_path_factory.mktemp("cli"))
    return str(settings.path)


def _run(capsys, *args) -> tuple[int, str, str]:
    code = manage.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_default_windows_totals_only(config, capsys):
    code, out, _ = _run(capsys, "--config", config, "kpis", "--format", "json", "--as-of", "2026-07-15")
    assert code == 0
    cells = json.loads(out)
    assert {c["window"] for c in cells} == {"baseline", "day30", "day60", "day90", "trailing30"}
    assert all(c["by"] == {} for c in cells)
    assert set(cells[0]) == {"kpi", "window", "by", "value", "numerator", "denominator", "unit", "target", "status"}
    ncr = next(c for c in cells if c["kpi"] == "net_collection_rate" and c["window"] == "baseline")
    assert ncr["value"] == pytest.approx(0.8) and ncr["numerator"] == pytest.approx(160.0)
    assert not {c["kpi"] for c in cells} & {"training_completion_rate", "staff_enps"}


def test_json_window_and_by(config, capsys):
    code, out, _ = _run(capsys, "--config", config, "kpis", "--format", "json", "--as-of", "2026-07-15",
                        "--window", "day30", "--by", "payer", "--by", "payer_class")
    assert code == 0
    cells = json.loads(out)
    assert {c["window"] for c in cells} == {"day30"}
    lag = {json.dumps(c["by"]): c["value"] for c in cells if c["kpi"] == "charge_lag_days"}
    assert lag == {"{}": 1.0, '{"payer": "legacy:GOV"}': 1.0, '{"payer_class": "medicare"}': 1.0}


def test_csv_and_table(config, capsys):
    code, out, _ = _run(capsys, "--config", config, "kpis", "--format", "csv", "--as-of", "2026-07-15",
                        "--window", "day30", "--by", "payer")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["kpi", "window", "by", "value", "numerator", "denominator", "unit", "target", "status"]
    row = next(r for r in rows if r["kpi"] == "charge_lag_days" and r["by"] == "payer=legacy:GOV")
    assert float(row["value"]) == 1.0 and row["status"] == "met"
    code, out, _ = _run(capsys, "--config", config, "kpis", "--as-of", "2026-07-15", "--window", "day30")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["kpi", "window", "by"]
    assert any(line.startswith("days_in_ar") and line.rstrip().endswith("not_met") for line in lines)


@pytest.mark.parametrize("args, words", [
    (["--window", "day120"], ["day120", "YYYY-Qn"]),
    (["--window", "2026-Q5"], ["2026-Q5"]),
    (["--by", "clinic"], ["clinic", "location"]),
    (["--as-of", "15/07/2026"], ["15/07/2026", "YYYY-MM-DD"]),
])
def test_bad_arguments_exit_2_with_a_clear_error(config, capsys, args, words):
    code, out, err = _run(capsys, "--config", config, "kpis", "--format", "json", *args)
    assert code == 2 and out == ""
    for w in words:
        assert w in err
