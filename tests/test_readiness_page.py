"""The Go / no-go page through Streamlit's AppTest on small hand-made practices (no demo build needed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auth import audit
from auth.users import SignedInUser
from config.settings import load_settings
from jobs.setup import init_stores
from metrics import readiness as r
from tests.conftest import write_config
from tests.test_readiness_rules import green_inputs
from tracker import readiness as store

PAGE = str(Path(__file__).resolve().parent.parent / "app_pages" / "go_no_go.py")
ADMIN = SignedInUser(1, "admin", "administrator", "Dana Admin")


def _practice(tmp_path, go_live: str):
    settings = load_settings(write_config(tmp_path / "p", go_live=go_live))
    init_stores(settings)
    return settings


def _run(settings, monkeypatch, user=ADMIN) -> AppTest:
    monkeypatch.setenv("APP_CONFIG", str(settings.path))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["user"] = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
                     + [s.value for s in at.success] + [i.value for i in at.info])


def test_before_go_live_shows_no_go_blockers_and_countdown(tmp_path, monkeypatch):
    go_live = dt.date.today() + dt.timedelta(days=21)
    settings = _practice(tmp_path, go_live.isoformat())
    at = _run(settings, monkeypatch)
    text = _texts(at)
    assert "**No-go:** 3 critical criteria block go-live (Training gate, Data migration, HIPAA safeguards)." in text
    assert at.metric[0].label == "Days to go-live" and at.metric[0].value == "21"
    labels = [m.value for m in at.markdown if " · " in m.value]
    assert "Training gate · RED · critical" in labels[0]  # blockers first
    assert len(store.score_history(settings.database_url)) == 1


def test_admin_changes_a_threshold_and_the_criterion_follows(tmp_path, monkeypatch):
    settings = _practice(tmp_path, (dt.date.today() + dt.timedelta(days=21)).isoformat())
    at = _run(settings, monkeypatch)
    at.number_input(key="threshold_training_gate").set_value(0.95)
    submit = next(b for b in at.button if b.label == "Save thresholds")
    submit.click().run()
    assert not at.exception
    assert store.get_thresholds(settings.database_url).training_gate == 0.95
    assert "Saved 1 change(s)." in _texts(at)
    events = audit.events(settings.database_url, action="readiness.setting")
    assert events.iloc[0]["user"] == "admin" and events.iloc[0]["after"] == {"training_gate": 0.95}


def test_lead_cannot_edit_thresholds_or_decide(tmp_path, monkeypatch):
    settings = _practice(tmp_path, (dt.date.today() + dt.timedelta(days=21)).isoformat())
    lead = SignedInUser(2, "lead", "implementation_lead", "Lee Lead")
    at = _run(settings, monkeypatch, lead)
    assert not [b for b in at.button if b.label in ("Save thresholds", "Record decision")]
    captions = " ".join(c.value for c in at.caption)
    assert "An administrator or the owner records the go-live decision." in captions


def test_admin_records_a_decision(tmp_path, monkeypatch):
    settings = _practice(tmp_path, (dt.date.today() + dt.timedelta(days=21)).isoformat())
    at = _run(settings, monkeypatch)
    at.radio(key="decision_choice").set_value("postpone")
    at.text_area(key="decision_note").input("Training and the spot checks first.")
    next(b for b in at.button if b.label == "Record decision").click().run()
    assert not at.exception
    d = store.latest_decision(settings.database_url)
    assert d.decision == "postpone" and d.verdict == "NO-GO" and d.decided_by == "admin"
    assert len(d.snapshot["criteria"]) == 9


def test_after_go_live_shows_the_recorded_decision_instead_of_a_countdown(tmp_path, monkeypatch):
    go_live = dt.date.today() - dt.timedelta(days=100)
    settings = _practice(tmp_path, go_live.isoformat())
    snapshot = r.evaluate(green_inputs())
    snapshot = r.Readiness(**{**snapshot.__dict__, "go_live": go_live, "today": go_live - dt.timedelta(days=3)})
    store.record_decision(settings.database_url, audit.Actor("admin", "administrator"), "go",
                          "All critical criteria green.", snapshot,
                          decided_at=dt.datetime.combine(go_live - dt.timedelta(days=3), dt.time(16, 30)))
    at = _run(settings, monkeypatch)
    text = _texts(at)
    assert "**Go-live decision: GO**" in text and "3 days before go-live" in text
    assert "All critical criteria green." in text
    assert not [m for m in at.metric if m.label == "Days to go-live"]
    assert "Timeline · GREEN" in text


@pytest.mark.parametrize("role", ["billing", "clinician", "front_desk"])
def test_other_roles_are_refused(tmp_path, monkeypatch, role):
    settings = _practice(tmp_path, "2026-04-01")
    at = _run(settings, monkeypatch, SignedInUser(3, role, role, role))
    assert [e.value for e in at.error] == ["You do not have access to this page."]


def _moment_app():
    from ui.readiness_moment import moment_switch

    moment_switch()


def test_sidebar_moment_switch_sets_the_moment(monkeypatch):
    """Without APP_CONFIG the demo offers both moments; choosing one sets the session's moment."""
    from ui import session

    monkeypatch.delenv("APP_CONFIG", raising=False)
    at = AppTest.from_function(_moment_app, default_timeout=60)
    at.run()
    assert not at.exception
    radio = at.radio(key="sidebar_moment_choice")
    assert radio.value == "after"
    radio.set_value("before").run()
    assert not at.exception
    assert at.session_state[session.MOMENT_KEY] == "before"


def test_sidebar_moment_switch_hidden_with_a_given_config(tmp_path, monkeypatch):
    settings = _practice(tmp_path, "2026-04-01")
    monkeypatch.setenv("APP_CONFIG", str(settings.path))
    at = AppTest.from_function(_moment_app, default_timeout=60)
    at.run()
    assert not at.exception and len(at.radio) == 0
