"""Vendor decision: weighted scores and total cost of ownership against hand-computed numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from auth import audit
from auth.models import AuditEvent
from tracker import vendors
from tracker.db import session_scope
from tracker.vendors import Costs, tco, tco_breakdown, weighted_score

ACTOR = audit.Actor("owner", "owner")


def test_tco_hand_computed():
    costs = Costs(
        price_per_provider_month=Decimal("650"),
        addons_per_provider_month=Decimal("100"),
        support_per_month=Decimal("200"),
        implementation_fee=Decimal("10000"),
        training_fee=Decimal("3000"),
        migration_fee=Decimal("5000"),
    )
    # 3 years, 8 providers: (650 + 100) x 8 x 36 = 216,000; support 200 x 36 = 7,200; one-time 18,000
    assert tco(costs, 8, 3) == Decimal("241200")
    # 5 years: 750 x 8 x 60 = 360,000; support 12,000; one-time 18,000
    assert tco(costs, 8, 5) == Decimal("390000")
    parts = tco_breakdown(costs, 8, 5)
    assert parts["Subscription"] == Decimal("312000") and parts["Add-ons"] == Decimal("48000")
    # the all-inclusive 150 USD plan: 150 x 8 x 36 = 43,200
    assert tco(Costs(price_per_provider_month=Decimal("150")), 8, 3) == Decimal("43200")
    with pytest.raises(vendors.VendorError):
        tco(costs, -1, 3)


def test_weighted_score_hand_computed():
    scores = {
        "specialty_fit": 5,
        "revenue_integrity": 4,
        "documentation": 3,
        "prior_auth": 2,
        "total_cost": 1,
    }
    w = {"specialty_fit": 5, "revenue_integrity": 5, "documentation": 4, "prior_auth": 3, "total_cost": 4}
    # (25 + 20 + 12 + 6 + 4) / 21 = 67 / 21
    assert weighted_score(scores, w) == pytest.approx(67 / 21)
    # an unscored criterion and a zero weight drop out of both sums: (25 + 20) / 10
    assert weighted_score({**scores, "documentation": None}, {**w, "prior_auth": 0, "total_cost": 0}) == 4.5
    assert weighted_score({"specialty_fit": None}, w) is None


def test_compare_choose_and_conflicts(tmp_settings):
    url = tmp_settings.database_url
    a = vendors.add_vendor(
        url,
        ACTOR,
        "Alpha",
        scores={"specialty_fit": 5, "total_cost": 5},
        costs={"price_per_provider_month": 150, "implementation_fee": 1000},
    )
    b = vendors.add_vendor(
        url,
        ACTOR,
        "Beta",
        scores={"specialty_fit": 3, "total_cost": 2},
        costs={"price_per_provider_month": 650, "addons_per_provider_month": 50},
    )
    with pytest.raises(vendors.VendorError, match="1 to 5"):
        vendors.add_vendor(url, ACTOR, "Gamma", scores={"specialty_fit": 6})
    with pytest.raises(vendors.VendorError, match="negative"):
        vendors.add_vendor(url, ACTOR, "Gamma", costs={"training_fee": -5})
    table = vendors.comparison(url, providers=10)
    assert table["vendor"].tolist() == ["Alpha", "Beta"]
    # Alpha 3 years: 150 x 10 x 36 + 1,000 = 55,000; Beta 5 years: 700 x 10 x 60 = 420,000
    assert table.loc[0, "3-year cost"] == 55000.0 and table.loc[1, "5-year cost"] == 420000.0
    # weights 5 (fit) and 4 (cost): Alpha (25 + 20) / 9 = 5, Beta (15 + 8) / 9
    assert table.loc[1, "weighted score (1-5)"] == pytest.approx(23 / 9)
    long = vendors.tco_frame(url, 10)
    assert long[(long.vendor == "Beta") & (long.horizon == "5 years")]["cost"].sum() == 420000.0

    versions = vendors.weight_versions(url)
    vendors.set_weights(url, ACTOR, {"total_cost": 10}, versions)
    assert vendors.weights(url)["total_cost"] == 10
    with pytest.raises(vendors.EditConflict):
        vendors.set_weights(url, ACTOR, {"total_cost": 1}, versions)

    vendors.ensure_default_questions(url, ACTOR)
    qid = vendors.list_questions(url)[0][0]
    vendors.set_answer(url, ACTOR, a, qid, "98 %")
    assert vendors.answers_frame(url).loc[0, "Alpha"] == "98 %"

    vendors.choose_vendor(url, ACTOR, a, "Lowest cost, best fit.")
    decision = vendors.get_decision(url)
    assert decision.vendor_name == "Alpha" and vendors.comparison(url, 10).loc[0, "chosen"]
    with pytest.raises(vendors.EditConflict):  # a second person who opened the page before the decision
        vendors.choose_vendor(url, audit.Actor("admin"), b, "Prior auth.", expected_version=None)
    vendors.choose_vendor(url, ACTOR, b, "Changed our mind.", expected_version=decision.version_id)
    assert vendors.get_decision(url).vendor_name == "Beta"
    with pytest.raises(vendors.VendorError, match="why"):
        vendors.choose_vendor(url, ACTOR, a, "  ", expected_version=vendors.get_decision(url).version_id)

    vendor = vendors.list_vendors(url)[0]
    vendors.update_vendor(url, ACTOR, vendor.id, vendor.version_id, costs={"training_fee": 500})
    with pytest.raises(vendors.EditConflict):
        vendors.update_vendor(url, ACTOR, vendor.id, vendor.version_id, costs={"training_fee": 700})
    with session_scope(url) as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.resource_type == "vendor", AuditEvent.action == "change")
        ).one()
        assert event.before == {"training_fee": "0.00"} and event.after == {"training_fee": "500.00"}


def test_tco_chart_stacks_components_to_the_totals(tmp_settings):
    from ui.training_charts import tco_figure

    url = tmp_settings.database_url
    vendors.add_vendor(
        url, ACTOR, "Alpha", costs={"price_per_provider_month": 150, "implementation_fee": 1000}
    )
    fig = tco_figure(vendors.tco_frame(url, 10))
    bars = [t for t in fig.data if t.type == "bar"]
    assert {t.name for t in bars} == {
        "Subscription",
        "Add-ons",
        "Support",
        "Implementation",
        "Training",
        "Data migration",
    }
    labels = next(t for t in fig.data if t.type == "scatter").text
    # 3 years: 150 x 10 x 36 + 1,000; 5 years: 150 x 10 x 60 + 1,000
    assert list(labels) == ["$55,000", "$91,000"]
