"""Readiness state in the app DB (tracker/readiness.py), the adapter on a real practice, the CLI and the PDF."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import inspect

from auth import audit
from metrics import readiness as r
from metrics.evidence_pdf import evidence_pdf
from metrics.readiness_inputs import current_readiness, gather_inputs
from tests.test_readiness_rules import _schedule, green_inputs
from tracker import readiness as store
from tracker.db import downgrade, get_engine, upgrade

ADMIN = audit.Actor("admin", "administrator", "s1")
OWNER = audit.Actor("owner", "owner", "s2")
LEAD = audit.Actor("lead", "implementation_lead", "s3")


def _audit_rows(url: str, action: str):
    return audit.events(url, action=action)


def test_threshold_change_is_audited_and_used(tmp_settings):
    url = tmp_settings.database_url
    assert store.get_thresholds(url) == r.Thresholds()
    store.set_threshold(url, ADMIN, "training_gate", 0.95, expected_version=0)
    assert store.get_thresholds(url).training_gate == 0.95
    rows = _audit_rows(url, "readiness.setting")
    assert len(rows) == 1
    assert rows.iloc[0]["before"] == {"training_gate": 0.9} and rows.iloc[0]["after"] == {"training_gate": 0.95}
    assert rows.iloc[0]["user"] == "admin"
    view = next(v for v in store.setting_views(url) if v.key == "training_gate")
    assert view.overridden and view.version == 1 and view.updated_by == "admin"
    store.reset_threshold(url, ADMIN, "training_gate", expected_version=1)
    assert store.get_thresholds(url).training_gate == 0.9
    assert len(_audit_rows(url, "readiness.setting")) == 2


def test_threshold_stale_version_is_refused(tmp_settings):
    url = tmp_settings.database_url
    store.set_threshold(url, ADMIN, "freshness_hours", 48, expected_version=0)
    with pytest.raises(store.ReadinessConflict, match="changed freshness hours after you opened it"):
        store.set_threshold(url, ADMIN, "freshness_hours", 12, expected_version=0)
    assert store.get_thresholds(url).freshness_hours == 48


def test_threshold_bad_value_and_role_leave_data_as_it_was(tmp_settings):
    url = tmp_settings.database_url
    with pytest.raises(store.ReadinessError, match="outside 0.5..1"):
        store.set_threshold(url, ADMIN, "training_gate", 1.4)
    with pytest.raises(store.ReadinessError, match="Only administrators"):
        store.set_threshold(url, LEAD, "training_gate", 0.8)
    with pytest.raises(store.ReadinessError, match="smallest schedule cut"):
        store.set_threshold(url, ADMIN, "schedule_cut_min", 0.5)
    assert store.get_thresholds(url) == r.Thresholds()
    assert _audit_rows(url, "readiness.setting").empty


def test_legacy_ar_setting(tmp_settings):
    url = tmp_settings.database_url
    assert store.legacy_ar_in_old_system(url) is False
    store.set_legacy_ar_in_old_system(url, ADMIN, True, note="Old system works AR down over 90 days")
    assert store.legacy_ar_in_old_system(url) is True
    assert gather_inputs(tmp_settings, today=dt.date(2026, 3, 9)).legacy_ar_in_old_system is True


def test_decision_freezes_snapshot(tmp_settings):
    url = tmp_settings.database_url
    readiness = r.evaluate(green_inputs(schedule=_schedule(0.1)))
    with pytest.raises(store.ReadinessError, match="Write a note"):
        store.record_decision(url, OWNER, "go", "  ", readiness)
    with pytest.raises(store.ReadinessError, match="Only administrators or owners"):
        store.record_decision(url, LEAD, "go", "fine", readiness)
    with pytest.raises(store.ReadinessError, match="Decision must be one of"):
        store.record_decision(url, OWNER, "maybe", "fine", readiness)
    first = store.record_decision(url, ADMIN, "postpone", "Wait for the spot checks", readiness,
                                  decided_at=dt.datetime(2026, 3, 8, 10, 0))
    second = store.record_decision(url, OWNER, "go", "Accept the schedule risk", readiness,
                                   decided_at=dt.datetime(2026, 3, 9, 10, 0))
    decisions = store.list_decisions(url)
    assert [d.id for d in decisions] == [second.id, first.id]
    latest = store.latest_decision(url)
    assert latest.label == "Go" and latest.verdict == r.GO_WITH_RISKS and latest.decided_by == "owner"
    assert r.readiness_from_snapshot(latest.snapshot) == readiness
    rows = _audit_rows(url, "readiness.decision")
    assert len(rows) == 2 and rows.iloc[0]["note"] == "Accept the schedule risk"


def test_daily_score_one_row_per_day(tmp_settings):
    url = tmp_settings.database_url
    day = dt.date(2026, 3, 9)
    store.record_daily_score(url, day, r.evaluate(green_inputs(schedule=_schedule(0.1))))
    store.record_daily_score(url, day, r.evaluate(green_inputs()))
    store.record_daily_score(url, day + dt.timedelta(days=1), r.evaluate(green_inputs(training=None)))
    hist = store.score_history(url)
    assert list(hist["day"]) == [day, day + dt.timedelta(days=1)]
    assert list(hist["score"]) == [100, 83]
    assert list(hist["verdict"]) == ["GO", "NO-GO"]
    assert hist.iloc[1][["green", "amber", "red"]].tolist() == [8, 0, 1]
    assert len(store.score_history(url, since=day + dt.timedelta(days=1))) == 1


def test_migration_down_and_up(tmp_settings):
    url = tmp_settings.database_url
    tables = set(inspect(get_engine(url)).get_table_names())
    assert {"readiness_settings", "readiness_decisions", "readiness_scores"} <= tables
    downgrade(url, "0005")
    assert not {"readiness_settings", "readiness_decisions", "readiness_scores"} & set(
        inspect(get_engine(url)).get_table_names())
    upgrade(url)
    store.set_threshold(url, ADMIN, "training_gate", 0.92)
    assert store.get_thresholds(url).training_gate == 0.92


def test_adapter_on_an_empty_practice_never_raises(tmp_settings):
    """Nothing recorded anywhere: every criterion explains what is missing; critical ones are red."""
    result = current_readiness(tmp_settings, today=dt.date(2026, 3, 9))
    by_key = {c.key: c for c in result.criteria}
    assert result.verdict == r.NO_GO
    assert by_key["training"].state == r.RED and by_key["training"].evidence.startswith("No evidence yet")
    assert by_key["migration"].state == r.RED
    assert by_key["freshness"].state == r.RED and "never synced" in by_key["freshness"].evidence
    assert by_key["timeline"].state == r.AMBER


def test_adapter_reports_a_broken_area_as_a_gap(tmp_settings):
    """An area whose reader fails (here: the warehouse is gone) becomes 'no evidence' with the reason."""
    def broken(_today, _days):
        raise OSError("warehouse file is missing")

    inp = gather_inputs(tmp_settings, today=dt.date(2026, 3, 9), warehouse=broken)
    assert inp.schedule is None and "warehouse file is missing" in inp.gaps["schedule"]
    c = next(c for c in r.evaluate(inp).criteria if c.key == "go_live_day")
    assert c.state == r.AMBER and "warehouse file is missing" in c.evidence


# ------------------------------------------------------------------ CLI and PDF


def test_cli_json_and_table(tmp_path, capsys):
    from config.settings import load_settings
    from jobs.setup import init_stores
    from manage import main
    from tests.conftest import write_config

    go_live = dt.date.today() + dt.timedelta(days=30)
    tmp_settings = load_settings(write_config(tmp_path / "cli", go_live=go_live.isoformat()))
    init_stores(tmp_settings)
    assert main(["--config", str(tmp_settings.path), "readiness", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "NO-GO" and out["days_to_go_live"] == 30 and out["go_live"] == go_live.isoformat()
    assert [c["key"] for c in out["criteria"]] == ["timeline", "milestones", "training", "migration", "hipaa",
                                                  "configuration", "go_live_day", "backups", "freshness"]
    assert {"state", "critical", "evidence", "owner", "page", "details"} <= set(out["criteria"][0])
    assert main(["--config", str(tmp_settings.path), "readiness"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("Verdict: NO-GO")
    lines = table.splitlines()
    first_row = next(i for i, line in enumerate(lines) if line.startswith("---")) + 1
    assert lines[first_row].startswith("RED    yes  Training gate")  # blockers first
    assert len(store.score_history(tmp_settings.database_url)) == 1  # today's score kept, once a day


def test_pdf_holds_verdict_and_every_criterion():
    readiness = r.evaluate(green_inputs(schedule=_schedule(0.1), training=None))
    data = evidence_pdf(readiness, practice_name="Riverbend Rehab Partners", generated_by="Dana Admin (admin)",
                        generated_at=dt.datetime(2026, 3, 9, 12, 0))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Verdict: NO-GO" in text
    assert "No-go: 1 critical criterion blocks go-live (Training gate)." in text
    for c in readiness.criteria:
        assert c.title in text and c.state.upper() in text
    assert "No evidence yet: no staff or training records." in text
    assert "Data as of the newest sync: 2026-03-09 02:25" in text
    assert "Generated by Dana Admin (admin) on 2026-03-09 12:00" in text
    for signer in ("Practice administrator", "Clinical lead", "Billing lead"):
        assert signer in text
    assert text.count("Name, signature and date") == 3


def test_pdf_stays_one_page_with_long_evidence_and_odd_characters():
    long = r.evaluate(green_inputs())
    criteria = tuple(c.__class__(**{**c.__dict__, "evidence": "Łódź – “quoted” " + "x" * 900}) for c in long.criteria)
    data = evidence_pdf(r.Readiness(**{**long.__dict__, "criteria": criteria}), practice_name="Zoë's Rehab",
                        generated_by="admin", generated_at=dt.datetime(2026, 3, 9, 12, 0))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Zoë's Rehab" in text  # Latin-1 is kept
    assert "?odz - \"quoted\"" in text and "xxx..." in text  # the rest transliterated, long evidence cut


@pytest.mark.postgres
def test_readiness_tables_on_postgresql(postgres_schema):
    url, _schema = postgres_schema
    upgrade(url)
    store.set_threshold(url, ADMIN, "freshness_hours", 36, expected_version=0)
    readiness = r.evaluate(green_inputs(schedule=_schedule(0.1)))
    store.record_decision(url, ADMIN, "go", "Accept the schedule risk", readiness)
    store.record_daily_score(url, readiness.today, readiness)
    assert store.get_thresholds(url).freshness_hours == 36
    assert r.readiness_from_snapshot(store.latest_decision(url).snapshot) == readiness
    downgrade(url, "0005")
    assert "readiness_decisions" not in inspect(get_engine(url)).get_table_names()
    upgrade(url)
    assert store.list_decisions(url) == []
