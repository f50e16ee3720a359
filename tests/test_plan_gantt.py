"""The Gantt figure: states, baseline marks, slips, today's line and the critical path."""

from __future__ import annotations

import datetime as dt

from tracker.plan import MilestoneView
from ui.gantt import COLOURS, build_gantt

D = dt.date


def ms(id_, title, status, start, due, baseline, deps=(), reason=None):
    return MilestoneView(id_, f"k{id_}", None, "configuration", title, status, reason, "project_lead", start, due,
                         baseline, None, None, list(deps), 1)


def test_gantt_colours_states_marks_baseline_slip_today_and_critical_path():
    today = D(2026, 2, 20)
    items = [
        ms(1, "Scheduling configured", "done", D(2026, 1, 20), D(2026, 2, 1), D(2026, 2, 1)),
        ms(2, "Billing configured", "blocked", D(2026, 1, 25), D(2026, 2, 27), D(2026, 2, 22), reason="ERA forms"),
        ms(3, "Super-users trained", "in_progress", D(2026, 2, 1), D(2026, 2, 18), D(2026, 2, 18)),
        ms(4, "Go-live", "not_started", D(2026, 3, 16), D(2026, 3, 16), D(2026, 3, 16), deps=(2, 3)),
        ms(5, "Printer check", "not_started", None, D(2026, 3, 10), None),
    ]
    fig = build_gantt(items, today, critical=[2, 4])
    bars = {t.name: t for t in fig.data if t.type == "bar"}
    assert bars["blocked"].marker.color == COLOURS["blocked"] and bars["blocked"].text == ("+5 d",)
    assert bars["overdue"].y == ("Super-users trained #3",)  # in progress, due before today
    assert bars["done"].y == ("Scheduling configured #1",)
    assert set(bars["not started"].y) == {"★ Go-live #4", "Printer check #5"}
    assert bars["blocked"].marker.line.width == (3,)  # on the critical path
    assert bars["blocked"].x == ((34) * 86_400_000,)  # 25 Jan to 27 Feb inclusive
    baseline = next(t for t in fig.data if t.name == "baseline due")
    assert len(baseline.x) == 4  # the added printer check has no baseline
    line = fig.layout.shapes[0]
    assert line.x0 == today.isoformat() and line.x1 == today.isoformat()
