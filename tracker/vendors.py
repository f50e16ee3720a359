"""The vendor decision: candidates scored on five criteria, due diligence, and total cost of ownership.

Scoring: each candidate gets 1-5 on each criterion of DOMAIN.md; the practice sets a weight (0-10) per
criterion. The weighted score is sum(weight x score) / sum(weights), still on the 1-5 scale.

Total cost of ownership over N years (months = 12 x N):
    (price per provider per month + add-ons per provider per month) x providers x months
  + support fee per month x months
  + implementation fee + training fee + data migration fee (one-time)
Money is Decimal, rounded to cents only for display.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy import DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from auth import audit
from tracker.db import Base, session_scope, utcnow
from tracker.training import EditConflict, apply_changes, check_version
from warehouse.errors import UserFacingError

CRITERIA = (
    ("specialty_fit", "Fit for PT/OT/SLP"),
    ("revenue_integrity", "Revenue integrity"),
    ("documentation", "Documentation efficiency"),
    ("prior_auth", "Prior-authorization automation"),
    ("total_cost", "Total cost of ownership"),
)
CRITERION_HINTS = {
    "specialty_fit": "Therapy templates by discipline, therapy CPT codes (97110, 97530, 97140...), co-signature.",
    "revenue_integrity": "Clean-claim and denial rates the vendor can prove from current clients.",
    "documentation": "How long a daily note takes in a timed exercise during the demo.",
    "prior_auth": "Built-in prior-authorization rules and submission; doing it by hand costs about $11-14 each.",
    "total_cost": "Everything paid over the years, not the sticker price (see the cost comparison).",
}
DEFAULT_WEIGHTS = {
    "specialty_fit": 5,
    "revenue_integrity": 5,
    "documentation": 4,
    "prior_auth": 3,
    "total_cost": 4,
}
DEFAULT_QUESTIONS = (
    "What is your average clean-claim rate across therapy clients, and can you show it?",
    "What documentation-time benchmarks can you show from current users?",
    "Which payer-specific prior-authorization rules do you support?",
    "What does implementation cost all-in (setup, training, migration, support)?",
    "What support do we get during go-live weeks 1 to 4?",
)
COST_FIELDS = (
    "price_per_provider_month",
    "addons_per_provider_month",
    "support_per_month",
    "implementation_fee",
    "training_fee",
    "migration_fee",
)
COST_LABELS = {
    "price_per_provider_month": "Price per provider per month",
    "addons_per_provider_month": "Add-ons per provider per month",
    "support_per_month": "Support fee per month",
    "implementation_fee": "Implementation fee",
    "training_fee": "Training fee",
    "migration_fee": "Data migration fee",
}


class VendorError(UserFacingError):
    pass


class Vendor(Base):
    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    score_specialty_fit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_revenue_integrity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_documentation: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_prior_auth: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_total_cost: Mapped[int | None] = mapped_column(Integer, nullable=True)
    price_per_provider_month: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), nullable=False, default=Decimal(0)
    )
    addons_per_provider_month: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), nullable=False, default=Decimal(0)
    )
    support_per_month: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False, default=Decimal(0))
    implementation_fee: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False, default=Decimal(0))
    training_fee: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False, default=Decimal(0))
    migration_fee: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False, default=Decimal(0))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class CriterionWeight(Base):
    __tablename__ = "vendor_criteria"

    criterion: Mapped[str] = mapped_column(String(40), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer, nullable=False)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class Question(Base):
    __tablename__ = "vendor_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class VendorAnswer(Base):
    __tablename__ = "vendor_answers"
    __table_args__ = (UniqueConstraint("vendor_id", "question_id", name="uq_vendor_answers_vendor_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), nullable=False)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("vendor_questions.id", ondelete="CASCADE"), nullable=False
    )
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class Decision(Base):
    """The chosen vendor (one row, id 1)."""

    __tablename__ = "vendor_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), nullable=False)
    rationale: Mapped[str] = mapped_column(Text, nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


# ------------------------------------------------------------------------------------------------ pure math


@dataclass(frozen=True)
class Costs:
    price_per_provider_month: Decimal = Decimal(0)
    addons_per_provider_month: Decimal = Decimal(0)
    support_per_month: Decimal = Decimal(0)
    implementation_fee: Decimal = Decimal(0)
    training_fee: Decimal = Decimal(0)
    migration_fee: Decimal = Decimal(0)


def tco_breakdown(costs: Costs, providers: int, years: int) -> dict[str, Decimal]:
    """Cost components over ``years`` for ``providers`` providers; the values sum to the TCO."""
    if providers < 0 or years < 0:
        raise VendorError("Providers and years cannot be negative.")
    months = Decimal(12 * years)
    n = Decimal(providers)
    return {
        "Subscription": costs.price_per_provider_month * n * months,
        "Add-ons": costs.addons_per_provider_month * n * months,
        "Support": costs.support_per_month * months,
        "Implementation": costs.implementation_fee,
        "Training": costs.training_fee,
        "Data migration": costs.migration_fee,
    }


def tco(costs: Costs, providers: int, years: int) -> Decimal:
    return sum(tco_breakdown(costs, providers, years).values(), Decimal(0))


def weighted_score(scores: dict[str, int | None], weights: dict[str, int]) -> float | None:
    """sum(weight x score) / sum(weight) over criteria with a score and a positive weight (1-5 scale)."""
    pairs = [(weights.get(k, 0), v) for k, v in scores.items() if v is not None and weights.get(k, 0) > 0]
    total = sum(w for w, _ in pairs)
    if total == 0:
        return None
    return sum(w * v for w, v in pairs) / total


# ------------------------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class VendorView:
    id: int
    name: str
    notes: str | None
    scores: dict[str, int | None]
    costs: Costs
    version_id: int


@dataclass(frozen=True)
class DecisionView:
    vendor_id: int
    vendor_name: str
    rationale: str
    decided_by: str | None
    decided_at: dt.datetime | None
    version_id: int


def _view(v: Vendor) -> VendorView:
    return VendorView(
        v.id,
        v.name,
        v.notes,
        {k: getattr(v, f"score_{k}") for k, _ in CRITERIA},
        Costs(**{f: Decimal(getattr(v, f) or 0) for f in COST_FIELDS}),
        v.version_id,
    )


def list_vendors(database_url: str) -> list[VendorView]:
    with session_scope(database_url) as s:
        return [_view(v) for v in s.scalars(select(Vendor).order_by(Vendor.name))]


def weights(database_url: str) -> dict[str, int]:
    with session_scope(database_url) as s:
        stored = {w.criterion: w.weight for w in s.scalars(select(CriterionWeight))}
    return {k: stored.get(k, DEFAULT_WEIGHTS[k]) for k, _ in CRITERIA}


def weight_versions(database_url: str) -> dict[str, int | None]:
    with session_scope(database_url) as s:
        stored = {w.criterion: w.version_id for w in s.scalars(select(CriterionWeight))}
    return {k: stored.get(k) for k, _ in CRITERIA}


def comparison(database_url: str, providers: int) -> pd.DataFrame:
    """One row per vendor: criterion scores, weighted score, 3- and 5-year TCO; best score first."""
    w = weights(database_url)
    decision = get_decision(database_url)
    rows = []
    for v in list_vendors(database_url):
        rows.append(
            {
                "vendor": v.name,
                **{label: v.scores[k] for k, label in CRITERIA},
                "weighted score (1-5)": weighted_score(v.scores, w),
                "3-year cost": float(tco(v.costs, providers, 3)),
                "5-year cost": float(tco(v.costs, providers, 5)),
                "chosen": decision is not None and decision.vendor_id == v.id,
            }
        )
    columns = [
        "vendor",
        *[label for _, label in CRITERIA],
        "weighted score (1-5)",
        "3-year cost",
        "5-year cost",
        "chosen",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("weighted score (1-5)", ascending=False, na_position="last").reset_index(
        drop=True
    )


def tco_frame(database_url: str, providers: int, horizons: tuple[int, ...] = (3, 5)) -> pd.DataFrame:
    """Long table vendor x horizon x cost component, for the chart and exports."""
    rows = []
    for v in list_vendors(database_url):
        for years in horizons:
            for component, amount in tco_breakdown(v.costs, providers, years).items():
                rows.append(
                    {
                        "vendor": v.name,
                        "horizon": f"{years} years",
                        "component": component,
                        "cost": float(amount),
                    }
                )
    return pd.DataFrame(rows, columns=["vendor", "horizon", "component", "cost"])


# ------------------------------------------------------------------------------------------------ editing


def _clean_scores(scores: dict[str, int | None]) -> dict[str, int | None]:
    out = {}
    for key, value in scores.items():
        if key not in dict(CRITERIA):
            raise VendorError(f"Unknown criterion {key!r}.")
        if value is not None and not (isinstance(value, int) and 1 <= value <= 5):
            raise VendorError(f"{dict(CRITERIA)[key]}: score {value!r} must be a whole number from 1 to 5.")
        out[f"score_{key}"] = value
    return out


def _clean_costs(costs: dict) -> dict[str, Decimal]:
    out = {}
    for key, value in costs.items():
        if key not in COST_FIELDS:
            raise VendorError(f"Unknown cost field {key!r}.")
        amount = Decimal(str(value if value is not None else 0))
        if amount < 0:
            raise VendorError(f"{COST_LABELS[key]} cannot be negative.")
        out[key] = amount.quantize(Decimal("0.01"))
    return out


def add_vendor(
    database_url: str,
    actor: audit.Actor,
    name: str,
    *,
    scores: dict | None = None,
    costs: dict | None = None,
    notes: str | None = None,
) -> int:
    if not name.strip():
        raise VendorError("A vendor name is required.")
    values = {**_clean_scores(scores or {}), **_clean_costs(costs or {})}
    with session_scope(database_url) as s:
        if s.scalar(select(Vendor.id).where(Vendor.name == name.strip())):
            raise VendorError(f"Vendor {name!r} is already a candidate.")
        v = Vendor(name=name.strip(), notes=notes, **values)
        s.add(v)
        s.flush()
        audit.add(
            s,
            actor,
            audit.CREATE,
            resource_type="vendor",
            resource_id=v.name,
            after={"name": v.name, **values},
        )
        return v.id


def update_vendor(
    database_url: str,
    actor: audit.Actor,
    vendor_id: int,
    expected_version: int | None,
    *,
    name: str | None = None,
    scores: dict | None = None,
    costs: dict | None = None,
    notes: str | None = None,
) -> bool:
    changes = {**_clean_scores(scores or {}), **_clean_costs(costs or {})}
    if name is not None:
        if not name.strip():
            raise VendorError("A vendor name is required.")
        changes["name"] = name.strip()
    if notes is not None:
        changes["notes"] = notes
    try:
        with session_scope(database_url) as s:
            v = s.get(Vendor, vendor_id)
            if v is None:
                raise VendorError(f"No vendor {vendor_id}.")
            check_version(v, expected_version, f"Vendor {v.name}")
            return apply_changes(s, v, changes, actor, "vendor", v.name)
    except StaleDataError as exc:
        raise EditConflict("This vendor was changed by someone else at the same time; reload.") from exc


def set_weights(
    database_url: str,
    actor: audit.Actor,
    new_weights: dict[str, int],
    expected_versions: dict[str, int | None] | None = None,
) -> bool:
    """Save criterion weights (0-10). ``expected_versions`` from weight_versions() when the form opened."""
    for key, value in new_weights.items():
        if key not in dict(CRITERIA):
            raise VendorError(f"Unknown criterion {key!r}.")
        if not (isinstance(value, int) and 0 <= value <= 10):
            raise VendorError(f"{dict(CRITERIA)[key]}: weight {value!r} must be a whole number from 0 to 10.")
    changed = False
    try:
        with session_scope(database_url) as s:
            for key, value in new_weights.items():
                row = s.get(CriterionWeight, key)
                expected = (expected_versions or {}).get(key)
                if row is None:
                    if expected is not None:
                        raise EditConflict("The weights were changed by someone else; reload.")
                    s.add(CriterionWeight(criterion=key, weight=value))
                    audit.add(
                        s,
                        actor,
                        audit.CHANGE,
                        resource_type="vendor_weight",
                        resource_id=key,
                        before={"weight": DEFAULT_WEIGHTS[key]},
                        after={"weight": value},
                    )
                    changed = True
                else:
                    if expected_versions is not None:
                        if expected is None:  # someone saved weights after this form opened
                            raise EditConflict("The weights were changed by someone else; reload.")
                        check_version(row, expected, "The criterion weights")
                    changed |= apply_changes(s, row, {"weight": value}, actor, "vendor_weight", key)
    except StaleDataError as exc:
        raise EditConflict("The weights were changed by someone else at the same time; reload.") from exc
    return changed


def list_questions(database_url: str) -> list[tuple[int, str]]:
    with session_scope(database_url) as s:
        return [(q.id, q.text) for q in s.scalars(select(Question).order_by(Question.position, Question.id))]


def add_question(database_url: str, actor: audit.Actor, text: str) -> int:
    if not text.strip():
        raise VendorError("A question needs text.")
    with session_scope(database_url) as s:
        position = len(list(s.scalars(select(Question.id))))
        q = Question(text=text.strip(), position=position)
        s.add(q)
        s.flush()
        audit.add(
            s,
            actor,
            audit.CREATE,
            resource_type="vendor_question",
            resource_id=str(q.id),
            after={"text": q.text},
        )
        return q.id


def ensure_default_questions(database_url: str, actor: audit.Actor) -> None:
    if not list_questions(database_url):
        for text in DEFAULT_QUESTIONS:
            add_question(database_url, actor, text)


def answers_frame(database_url: str) -> pd.DataFrame:
    """Due-diligence questions as rows, one column per vendor."""
    vendors = list_vendors(database_url)
    with session_scope(database_url) as s:
        answers = {(a.question_id, a.vendor_id): a.answer for a in s.scalars(select(VendorAnswer))}
    rows = [
        {"question": text, **{v.name: answers.get((qid, v.id), "") for v in vendors}}
        for qid, text in list_questions(database_url)
    ]
    return pd.DataFrame(rows, columns=["question", *[v.name for v in vendors]])


def answer_versions(database_url: str, vendor_id: int) -> dict[int, tuple[str, int]]:
    with session_scope(database_url) as s:
        return {
            a.question_id: (a.answer, a.version_id)
            for a in s.scalars(select(VendorAnswer).where(VendorAnswer.vendor_id == vendor_id))
        }


def set_answer(
    database_url: str,
    actor: audit.Actor,
    vendor_id: int,
    question_id: int,
    answer: str,
    expected_version: int | None = None,
) -> bool:
    try:
        with session_scope(database_url) as s:
            vendor = s.get(Vendor, vendor_id)
            if vendor is None or s.get(Question, question_id) is None:
                raise VendorError("Unknown vendor or question.")
            row = s.scalar(
                select(VendorAnswer).where(
                    VendorAnswer.vendor_id == vendor_id, VendorAnswer.question_id == question_id
                )
            )
            rid = f"{vendor.name}/q{question_id}"
            if row is None:
                if not answer.strip():
                    return False
                s.add(VendorAnswer(vendor_id=vendor_id, question_id=question_id, answer=answer.strip()))
                audit.add(
                    s,
                    actor,
                    audit.CREATE,
                    resource_type="vendor_answer",
                    resource_id=rid,
                    after={"answer": answer.strip()},
                )
                return True
            check_version(row, expected_version, f"{vendor.name}'s answer")
            return apply_changes(s, row, {"answer": answer.strip()}, actor, "vendor_answer", rid)
    except StaleDataError as exc:
        raise EditConflict("This answer was changed by someone else at the same time; reload.") from exc


def get_decision(database_url: str) -> DecisionView | None:
    with session_scope(database_url) as s:
        row = s.execute(select(Decision, Vendor.name).join(Vendor, Vendor.id == Decision.vendor_id)).first()
        if row is None:
            return None
        d, name = row
        return DecisionView(d.vendor_id, name, d.rationale, d.decided_by, d.decided_at, d.version_id)


def choose_vendor(
    database_url: str,
    actor: audit.Actor,
    vendor_id: int,
    rationale: str,
    expected_version: int | None = None,
    when: dt.datetime | None = None,
) -> None:
    """Record (or change) the chosen vendor with the reasons. ``expected_version``: the decision's
    version when the form was opened, None if there was no decision then."""
    if not rationale.strip():
        raise VendorError("Write down why this vendor was chosen.")
    try:
        with session_scope(database_url) as s:
            vendor = s.get(Vendor, vendor_id)
            if vendor is None:
                raise VendorError(f"No vendor {vendor_id}.")
            d = s.get(Decision, 1)
            values = {
                "vendor_id": vendor_id,
                "rationale": rationale.strip(),
                "decided_by": actor.username,
                "decided_at": when or utcnow(),
            }
            if d is None:
                if expected_version is not None:
                    raise EditConflict("The decision was removed by someone else; reload.")
                s.add(Decision(id=1, **values))
                audit.add(
                    s,
                    actor,
                    audit.CREATE,
                    resource_type="vendor_decision",
                    resource_id=vendor.name,
                    after={"vendor": vendor.name, "rationale": values["rationale"]},
                )
                return
            if expected_version is None:
                raise EditConflict(
                    "Someone recorded a decision after you opened the page; reload and review it."
                )
            check_version(d, expected_version, "The vendor decision")
            apply_changes(s, d, values, actor, "vendor_decision", vendor.name)
    except StaleDataError as exc:
        raise EditConflict("The decision was changed by someone else at the same time; reload.") from exc
