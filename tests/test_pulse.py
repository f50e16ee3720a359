"""Staff pulse: eNPS arithmetic, anonymity, one answer per user and round, small groups hidden."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import inspect, select

from auth import audit
from auth.models import AuditEvent
from tracker import pulse
from tracker.db import get_engine, session_scope
from tracker.pulse import PulseAnswer, enps_score, enps_table

ACTOR = audit.Actor("lead", "implementation_lead")


def test_enps_hand_computed():
    # 10 answers: 3 promoters (9, 10, 10), 3 passives (7, 8, 8), 4 detractors (0, 3, 6, 6)
    # -> 30 % - 40 % = -10
    assert enps_score([9, 10, 10, 7, 8, 8, 0, 3, 6, 6]) == pytest.approx(-10.0)
    assert enps_score([10, 9]) == 100.0
    assert enps_score([6]) == -100.0
    assert enps_score([7, 8]) == 0.0
    assert enps_score([]) is None


def _frame(rows):
    return pd.DataFrame(
        [
            {
                "round_id": r[0],
                "round": r[1],
                "opens_on": dt.date(2026, 1, r[0]),
                "recommend": r[2],
                "role_group": r[3],
                "location": r[4],
            }
            for r in rows
        ]
    )


def test_enps_table_by_group_hides_small_groups_and_what_would_reveal_them():
    rows = (
        [(1, "baseline", s, "front_desk", "Main") for s in (10, 9, 5)]
        + [(1, "baseline", s, "clinician", "Main") for s in (9, 9, 9, 1)]
        + [(1, "baseline", s, "billing", "Main") for s in (10, 2)]
        + [(2, "day30", s, "front_desk", "Main") for s in (8, 8, 9, 10)]
    )
    totals = enps_table(_frame(rows))
    assert totals["round"].tolist() == ["baseline", "day30"]
    # baseline: 9 answers, promoters 10, 9, 9, 9, 9, 10 = 6, detractors 5, 1, 2 = 3 -> (6 - 3) / 9 = 33.3
    # day30: promoters 9, 10 = 2 of 4, no detractor -> 50
    assert totals["enps"].tolist() == pytest.approx([100 / 3, 50.0])
    assert totals["responses"].tolist() == [9, 4]
    by = enps_table(_frame(rows), by="role_group").set_index(["round", "role_group"])
    # billing (2 answers) is hidden; front desk (3, the next smallest) too, or billing = total - the rest
    for group in ("billing", "front_desk"):
        assert by.loc[("baseline", group), "suppressed"]
        assert pd.isna(by.loc[("baseline", group), "enps"]) and pd.isna(
            by.loc[("baseline", group), "responses"]
        )
    assert by.loc[("baseline", "clinician"), "enps"] == pytest.approx(50.0)  # (3 - 1) / 4
    assert by.loc[("day30", "front_desk"), "responses"] == 4
    # no group under three: nothing hidden
    assert not enps_table(_frame(rows[:7]), by="role_group")["suppressed"].any()


def test_answers_are_anonymous_and_once_per_round(tmp_settings):
    url = tmp_settings.database_url
    round_id = pulse.add_round(url, ACTOR, "day30", "30 days after go-live", dt.date(2026, 4, 16))
    answer = PulseAnswer(
        recommend=9,
        statements={"easy_to_use": 4, "faster": 2},
        role_group="front_desk",
        location="Main",
        friction="Check-in takes too many clicks",
    )
    pulse.submit(url, audit.Actor("frontdesk", "front_desk"), round_id, 6, answer)
    assert pulse.has_answered(url, round_id, 6)
    with pytest.raises(pulse.AlreadyAnswered):
        pulse.submit(url, audit.Actor("frontdesk", "front_desk"), round_id, 6, answer)
    # nothing in the answer table can point at the user
    columns = {c["name"] for c in inspect(get_engine(url)).get_columns("pulse_answers")}
    assert not columns & {"user_id", "username", "created_at", "ts", "answered_at"}
    with session_scope(url) as s:
        row = s.scalars(select(pulse.Answer)).one()
        assert len(row.id) == 32 and row.recommend == 9 and row.friction == "Check-in takes too many clicks"
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "pulse.answered")).one()
        assert event.after is None and event.detail is None  # who answered, never what
    assert pulse.friction_points(url)["friction point"].tolist() == ["Check-in takes too many clicks"]
    table = pulse.enps(url)
    assert table.iloc[0]["enps"] == 100.0 and table.iloc[0]["responses"] == 1
    by = pulse.enps(url, by="location")
    assert bool(by.iloc[0]["suppressed"])


def test_bad_answers_and_closed_rounds_are_refused(tmp_settings):
    url = tmp_settings.database_url
    round_id = pulse.add_round(url, ACTOR, "baseline", "Baseline", dt.date(2026, 2, 1))
    with pytest.raises(pulse.PulseError, match="0 to 10"):
        pulse.submit(url, ACTOR, round_id, 1, PulseAnswer(recommend=11, statements={}))
    with pytest.raises(pulse.PulseError, match="1 to 5"):
        pulse.submit(url, ACTOR, round_id, 1, PulseAnswer(recommend=5, statements={"faster": 0}))
    current = pulse.list_rounds(url)[0]
    pulse.set_round_open(url, ACTOR, round_id, current.version_id, False)
    with pytest.raises(pulse.PulseError, match="closed"):
        pulse.submit(url, ACTOR, round_id, 1, PulseAnswer(recommend=5, statements={}))
    with pytest.raises(pulse.EditConflict):
        pulse.set_round_open(url, ACTOR, round_id, current.version_id, True)
    assert pulse.open_round(url) is None
    with pytest.raises(pulse.PulseError):
        pulse.enps(url, by="username")
