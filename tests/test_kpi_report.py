"""The go-live review frames, records and PDF summary on a small hand-built practice."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from metrics import review
from metrics.records import kpi_records
from metrics.report_pdf import golive_pdf
from metrics.windows import GO_LIVE_WINDOWS, resolve
from tests.kpi_practice import AS_OF, Practice
from tests.test_kpi_examples import _example_3


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    p = Practice()
    _example_3(p)
    p.claim("new", "7401", 100, "2026-04-07 09:00", payer_id="41", location_id="8")
    return p.build(tmp_path_factory.mktemp("report"))


def test_review_frame_change_and_status(settings):
    wins = [resolve(w, settings.go_live, AS_OF) for w in GO_LIVE_WINDOWS]
    frame = review.review_frame(review.cells_for(settings, AS_OF, wins), settings, AS_OF)
    ar = frame.set_index("kpi").loc["days_in_ar"]
    # baseline D = 03-31: 250 - 100 - 50 = 100 over 250/90; day90 D = 06-29: 40 + 100 over 100/90
    assert ar["baseline"] == pytest.approx(36.0)
    assert ar["latest_window"] == "day90" and ar["latest"] == pytest.approx(140 / (100 / 90))
    assert ar["change"] == pytest.approx(140 / (100 / 90) - 36.0) and ar["improved"] is False
    assert "A/R on the day: 100" in ar["baseline_detail"]


def test_filters_restrict_rows_and_drop_kpis_without_the_dimension(settings):
    wins = [resolve("day30", settings.go_live, AS_OF)]
    cells = review.cells_for(settings, AS_OF, wins, filters={"location": "legacy:L2"})
    kpis = {c.kpi for c in cells}
    assert "era_rate" not in kpis  # payments do not reach location
    lag = next(c for c in cells if c.kpi == "charge_lag_days")
    assert (lag.numerator, lag.denominator) == (0, 1)


def test_records_behind_a_value(settings):
    frame = kpi_records(settings, "net_collection_rate", resolve("baseline", settings.go_live, AS_OF), AS_OF)
    assert list(frame.iloc[:, 0]) == ["legacy:CL5"]
    assert frame.iloc[0, 1] == pytest.approx(160.0) and frame.iloc[0, 2] == pytest.approx(200.0)


def test_pdf_has_filters_data_date_and_values(settings):
    wins = [resolve(w, settings.go_live, AS_OF) for w in GO_LIVE_WINDOWS]
    frame = review.review_frame(review.cells_for(settings, AS_OF, wins), settings, AS_OF)
    table = review.display_table(frame, GO_LIVE_WINDOWS)
    pdf = golive_pdf("Test Practice", settings.go_live, AS_OF, "2026-07-15 02:00", {"location": "Hilltop"}, table,
                     GO_LIVE_WINDOWS)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for words in ("Go-live review - Test Practice", "location: Hilltop", "Data as of: 2026-07-15 02:00",
                  "Days in A/R", "36.0 days", "Revenue cycle", "Net collection rate", "80.0 %"):
        assert words in text, words


def test_weekly_windows_cover_baseline_to_as_of(settings):
    weeks = review.weekly_windows(dt.date(2026, 4, 1), dt.date(2026, 4, 20), weeks_before=2)
    assert [w.start for w in weeks] == [dt.date(2026, 3, 18), dt.date(2026, 3, 25), dt.date(2026, 4, 1),
                                        dt.date(2026, 4, 8), dt.date(2026, 4, 15)]
