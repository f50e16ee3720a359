"""The training, staff pulse and vendor pages render without exceptions (AppTest, seeded practice)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auth.users import SignedInUser, create_user

PAGES = str(Path(__file__).resolve().parent.parent / "app_pages" / "{}.py")


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    """A practice with the demo's training, pulse and vendor data (before go-live)."""
    from config.settings import load_settings
    from jobs.setup import init_stores
    from tests.conftest import write_config
    from tracker import demo_training

    path = write_config(
        tmp_path_factory.mktemp("training-pages"), go_live=str(dt.date.today() + dt.timedelta(21))
    )
    settings = load_settings(path)
    init_stores(settings)
    demo_training.seed_demo(settings, "before", dt.date.today())
    create_user(settings.database_url, "lead", "implementation_lead", "pw", "Lee Lead")
    create_user(settings.database_url, "desk", "front_desk", "pw", "Dee Desk")
    return path


def _run(practice, monkeypatch, page: str, user: SignedInUser) -> AppTest:
    monkeypatch.setenv("APP_CONFIG", str(practice))
    at = AppTest.from_file(PAGES.format(page), default_timeout=60)
    at.session_state["user"] = user
    at.run()
    assert not at.exception, at.exception
    return at


LEAD = SignedInUser(1, "lead", "implementation_lead", "Lee Lead")
DESK = SignedInUser(2, "desk", "front_desk", "Dee Desk")


def test_training_page_shows_the_gate(practice, monkeypatch):
    at = _run(practice, monkeypatch, "training", LEAD)
    texts = " ".join(e.value for e in at.error) + " ".join(e.value for e in at.warning)
    assert "Clinicians (PT/OT/SLP) reaches 90 %" in texts
    assert "Front desk reaches 90 %" in texts
    assert [m.value for m in at.metric][:2] == ["70%", "62%"]


def test_training_page_refuses_front_desk(practice, monkeypatch):
    monkeypatch.setenv("APP_CONFIG", str(practice))
    at = AppTest.from_file(PAGES.format("training"), default_timeout=60)
    at.session_state["user"] = DESK
    at.run()
    assert "You do not have access to this page." in [e.value for e in at.error]


def test_pulse_answer_once_then_results(practice, monkeypatch):
    at = _run(practice, monkeypatch, "staff_pulse", DESK)
    at.button[0].click().run()  # nothing picked for the recommend question yet
    assert "Pick a number from 0 to 10" in " ".join(e.value for e in at.error)
    at.radio(key="pulse_recommend").set_value(9)
    at.text_area[0].input("The fax inbox is hard to find")
    at.button[0].click().run()
    assert not at.exception
    assert any("saved anonymously" in s.value for s in at.success)
    assert any("You have answered this round" in i.value for i in at.info)
    assert not at.header  # front desk answers but does not see results
    lead = _run(practice, monkeypatch, "staff_pulse", LEAD)
    assert [h.value for h in lead.header] == ["Results", "Survey rounds"]


def test_vendor_page_compares_and_records(practice, monkeypatch):
    at = _run(practice, monkeypatch, "vendors", LEAD)
    assert any("Chosen: **Harborline Therapy Cloud**" in s.value for s in at.success)
    table = at.dataframe[0].value
    assert table["vendor"].tolist()[0] == "Harborline Therapy Cloud"


def test_a_stale_roster_edit_is_reported_not_saved(practice, monkeypatch):
    from auth import audit
    from config.settings import load_settings
    from tracker import training

    at = _run(practice, monkeypatch, "training", LEAD)  # the form opens on the first person
    url = load_settings(practice).database_url
    person = training.list_staff(url)[0]
    training.update_staff(url, audit.Actor("admin"), person.id, person.version_id, location="Elsewhere")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert any("changed by someone else" in e.value for e in at.error)
    assert training.list_staff(url)[0].location == "Elsewhere"
