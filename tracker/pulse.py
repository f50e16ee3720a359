"""Staff pulse survey: one short, anonymous questionnaire per round, and the ``staff_enps`` KPI.

Anonymity, by construction:
- an answer row holds no user id, no username and no timestamp, and its id is random, so it cannot be
  matched to the separate "answered this round" record, which exists only to stop double answers;
- role group and location on an answer are what the person chose to give (both may be left blank);
- breakdowns by role group or location hide every group with fewer than ``MIN_GROUP`` answers (its
  count and score are blank and ``suppressed`` is true); when the hidden answers of a round add up to
  fewer than ``MIN_GROUP``, the next smallest group is hidden too, so nobody can subtract the shown
  groups from the round's total to find them;
- friction points are listed without any attribution, sorted alphabetically rather than in the order
  they arrived.

eNPS (KPI_SPEC.md ``staff_enps``): percent of answers scoring 9-10 on "how likely are you to recommend
working here" (0-10) minus percent scoring 0-6, a score between -100 and +100.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from auth import audit
from tracker.db import Base, session_scope
from tracker.training import ROLE_GROUP_LABELS, ROLE_GROUPS, EditConflict, apply_changes, check_version
from warehouse.errors import UserFacingError

MIN_GROUP = 3
# Statements about the new system, answered 1 (strongly disagree) to 5 (strongly agree).
STATEMENTS = (
    ("easy_to_use", "The new system is easy to use in my daily work."),
    ("training_prepared", "My training prepared me for my work in the new system."),
    ("faster", "I get my work done at least as fast as before."),
    ("support", "When I am stuck, I get help quickly."),
)
STANDARD_ROUNDS = (
    ("baseline", "Baseline (before go-live)"),
    ("day30", "30 days after go-live"),
    ("day60", "60 days after go-live"),
)


class PulseError(UserFacingError):
    pass


class AlreadyAnswered(PulseError):
    pass


class Round(Base):
    __tablename__ = "pulse_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_key: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    opens_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    is_open: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class Answer(Base):
    """One anonymous answer: no user, no time, random id."""

    __tablename__ = "pulse_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), nullable=False, index=True
    )
    recommend: Mapped[int] = mapped_column(Integer, nullable=False)
    easy_to_use: Mapped[int | None] = mapped_column(Integer, nullable=True)
    training_prepared: Mapped[int | None] = mapped_column(Integer, nullable=True)
    faster: Mapped[int | None] = mapped_column(Integer, nullable=True)
    support: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role_group: Mapped[str | None] = mapped_column(String(20), nullable=True)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    friction: Mapped[str | None] = mapped_column(Text, nullable=True)


class Participation(Base):
    """That a user answered a round (never what they answered)."""

    __tablename__ = "pulse_participation"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_pulse_participation_round_user"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    round_id: Mapped[int] = mapped_column(ForeignKey("pulse_rounds.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)


@dataclass(frozen=True)
class RoundView:
    id: int
    round_key: str
    title: str
    opens_on: dt.date
    is_open: bool
    version_id: int


@dataclass(frozen=True)
class PulseAnswer:
    recommend: int
    statements: dict[str, int | None]
    role_group: str | None = None
    location: str | None = None
    friction: str | None = None


# ------------------------------------------------------------------------------------------------ arithmetic


def enps_score(scores: list[int]) -> float | None:
    """% of scores 9-10 minus % of scores 0-6; None without answers."""
    if not scores:
        return None
    promoters = sum(1 for x in scores if x >= 9)
    detractors = sum(1 for x in scores if x <= 6)
    return 100.0 * (promoters - detractors) / len(scores)


# ------------------------------------------------------------------------------------------------ rounds


def list_rounds(database_url: str) -> list[RoundView]:
    with session_scope(database_url) as s:
        return [
            RoundView(r.id, r.round_key, r.title, r.opens_on, r.is_open, r.version_id)
            for r in s.scalars(select(Round).order_by(Round.opens_on, Round.id))
        ]


def open_round(database_url: str) -> RoundView | None:
    """The round people answer now (the newest open one)."""
    rounds = [r for r in list_rounds(database_url) if r.is_open]
    return rounds[-1] if rounds else None


def add_round(
    database_url: str, actor: audit.Actor, round_key: str, title: str, opens_on: dt.date, is_open: bool = True
) -> int:
    if not round_key.strip() or not title.strip():
        raise PulseError("A round needs a short key and a title.")
    with session_scope(database_url) as s:
        if s.scalar(select(Round.id).where(Round.round_key == round_key.strip())):
            raise PulseError(f"A round {round_key!r} already exists.")
        r = Round(round_key=round_key.strip(), title=title.strip(), opens_on=opens_on, is_open=is_open)
        s.add(r)
        s.flush()
        audit.add(
            s,
            actor,
            audit.CREATE,
            resource_type="pulse_round",
            resource_id=r.round_key,
            after={"title": r.title, "opens_on": opens_on, "is_open": is_open},
        )
        return r.id


def set_round_open(
    database_url: str, actor: audit.Actor, round_id: int, expected_version: int | None, is_open: bool
) -> bool:
    from sqlalchemy.orm.exc import StaleDataError

    try:
        with session_scope(database_url) as s:
            r = s.get(Round, round_id)
            if r is None:
                raise PulseError(f"No survey round {round_id}.")
            check_version(r, expected_version, f"Survey round {r.title!r}")
            return apply_changes(s, r, {"is_open": is_open}, actor, "pulse_round", r.round_key)
    except StaleDataError as exc:
        raise EditConflict("The survey round was changed by someone else at the same time; reload.") from exc


# ------------------------------------------------------------------------------------------------ answering


def has_answered(database_url: str, round_id: int, user_id: int) -> bool:
    with session_scope(database_url) as s:
        return (
            s.scalar(
                select(Participation.id).where(
                    Participation.round_id == round_id, Participation.user_id == user_id
                )
            )
            is not None
        )


def validate_answer(answer: PulseAnswer) -> list[str]:
    problems = []
    if not isinstance(answer.recommend, int) or not 0 <= answer.recommend <= 10:
        problems.append(f"recommend: {answer.recommend!r} is not a whole number from 0 to 10")
    keys = {k for k, _ in STATEMENTS}
    for key, value in answer.statements.items():
        if key not in keys:
            problems.append(f"{key}: not a statement of this survey")
        elif value is not None and (not isinstance(value, int) or not 1 <= value <= 5):
            problems.append(f"{key}: {value!r} is not from 1 to 5")
    if answer.role_group is not None and answer.role_group not in ROLE_GROUPS:
        problems.append(f"role_group: {answer.role_group!r} is not a role group")
    return problems


def submit(database_url: str, actor: audit.Actor, round_id: int, user_id: int, answer: PulseAnswer) -> None:
    """Store one anonymous answer and, separately, that this user has answered this round.

    Raises AlreadyAnswered on a second answer (also when two tabs submit at once: the unique
    participation record decides). The audit row says who answered which round, never what."""
    problems = validate_answer(answer)
    if problems:
        raise PulseError("; ".join(problems))
    try:
        with session_scope(database_url) as s:
            r = s.get(Round, round_id)
            if r is None or not r.is_open:
                raise PulseError("This survey round is closed.")
            if s.scalar(
                select(Participation.id).where(
                    Participation.round_id == round_id, Participation.user_id == user_id
                )
            ):
                raise AlreadyAnswered("You have already answered this round. Thank you!")
            s.add(Participation(round_id=round_id, user_id=user_id))
            s.flush()
            friction = (answer.friction or "").strip() or None
            s.add(
                Answer(
                    round_id=round_id,
                    recommend=answer.recommend,
                    role_group=answer.role_group,
                    location=(answer.location or "").strip() or None,
                    friction=friction,
                    **{k: answer.statements.get(k) for k, _ in STATEMENTS},
                )
            )
            audit.add(s, actor, "pulse.answered", resource_type="pulse_round", resource_id=r.round_key)
    except IntegrityError as exc:
        raise AlreadyAnswered("You have already answered this round. Thank you!") from exc


def add_anonymous_answers(database_url: str, round_id: int, answers: list[PulseAnswer]) -> None:
    """Bulk-load answers without participation (demo data and paper surveys typed in later)."""
    with session_scope(database_url) as s:
        for a in answers:
            s.add(
                Answer(
                    round_id=round_id,
                    recommend=a.recommend,
                    role_group=a.role_group,
                    location=a.location,
                    friction=a.friction,
                    **{k: a.statements.get(k) for k, _ in STATEMENTS},
                )
            )


# ------------------------------------------------------------------------------------------------ reports


def _answers(database_url: str) -> pd.DataFrame:
    columns = [
        "round_id",
        "round",
        "round_title",
        "opens_on",
        "recommend",
        *[k for k, _ in STATEMENTS],
        "role_group",
        "location",
        "friction",
    ]
    with session_scope(database_url) as s:
        rows = s.execute(select(Answer, Round).join(Round, Round.id == Answer.round_id)).all()
        data = [
            {
                "round_id": r.id,
                "round": r.round_key,
                "round_title": r.title,
                "opens_on": r.opens_on,
                "recommend": a.recommend,
                **{k: getattr(a, k) for k, _ in STATEMENTS},
                "role_group": a.role_group,
                "location": a.location,
                "friction": a.friction,
            }
            for a, r in rows
        ]
    return pd.DataFrame(data, columns=columns)


def enps_table(answers: pd.DataFrame, by: str | None = None, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """eNPS per round (and per ``by`` value) from an answers frame; pure, so tests can feed it rows.

    Breakdowns hide groups below ``min_group`` answers; totals per round are always shown."""
    keys = ["round"] + ([by] if by else [])
    out_cols = keys + ["responses", "promoters", "detractors", "enps", "suppressed"]
    if answers.empty:
        return pd.DataFrame(columns=out_cols)
    frame = answers.copy()
    if by:
        frame[by] = frame[by].fillna("(not given)")
    order = frame.drop_duplicates("round").sort_values(["opens_on", "round_id"])["round"].tolist()
    hidden = _hidden_groups(frame, by, min_group) if by else set()
    rows = []
    for group_key, part in frame.groupby(keys, sort=False):
        group_key = group_key if isinstance(group_key, tuple) else (group_key,)
        scores = [int(x) for x in part["recommend"]]
        hide = group_key in hidden
        rows.append(
            {
                **dict(zip(keys, group_key, strict=True)),
                "responses": None if hide else len(scores),
                "promoters": None if hide else sum(1 for x in scores if x >= 9),
                "detractors": None if hide else sum(1 for x in scores if x <= 6),
                "enps": None if hide else enps_score(scores),
                "suppressed": hide,
            }
        )
    out = pd.DataFrame(rows, columns=out_cols)
    out["_order"] = out["round"].map({k: i for i, k in enumerate(order)})
    out = out.sort_values(["_order", *keys[1:]]).drop(columns="_order").reset_index(drop=True)
    out["responses"] = out["responses"].astype("Int64")
    out["promoters"] = out["promoters"].astype("Int64")
    out["detractors"] = out["detractors"].astype("Int64")
    out["enps"] = out["enps"].astype("Float64")
    return out


def _hidden_groups(frame: pd.DataFrame, by: str, min_group: int) -> set[tuple]:
    """(round, group) pairs to hide: every group under ``min_group`` answers, plus, while the hidden
    answers of a round add up to fewer than ``min_group``, the next smallest group, so a hidden group
    cannot be worked out by subtracting the shown groups from the round's total."""
    hidden: set[tuple] = set()
    for round_key, part in frame.groupby("round", sort=False):
        sizes = sorted((len(g), str(k), k) for k, g in part.groupby(by, sort=False))
        small = [s for s in sizes if s[0] < min_group]
        hidden_count = sum(s[0] for s in small)
        chosen = list(small)
        rest = [s for s in sizes if s[0] >= min_group]
        while 0 < hidden_count < min_group and rest:
            extra = rest.pop(0)
            chosen.append(extra)
            hidden_count += extra[0]
        hidden.update((round_key, s[2]) for s in chosen)
    return hidden


def enps(database_url: str, by: str | None = None) -> pd.DataFrame:
    """eNPS per round, optionally by "role_group" or "location" (INTERFACES.md "Training").

    Columns: round (key, e.g. "day30"), [role_group (key) | location], responses, promoters, detractors,
    enps (-100..100; NA when hidden), suppressed. Rounds in the order they opened."""
    if by not in (None, "role_group", "location"):
        raise PulseError(f"eNPS can be broken down by role_group or location, not {by!r}.")
    return enps_table(_answers(database_url), by)


def with_labels(table: pd.DataFrame) -> pd.DataFrame:
    """Role group keys replaced by the names people know, for display."""
    if "role_group" not in table.columns:
        return table
    out = table.copy()
    out["role_group"] = out["role_group"].map(lambda g: ROLE_GROUP_LABELS.get(g, g))
    return out.rename(columns={"role_group": "role group"})


def statements_table(database_url: str) -> pd.DataFrame:
    """Average agreement (1-5) with each statement per round."""
    answers = _answers(database_url)
    labels = dict(STATEMENTS)
    if answers.empty:
        return pd.DataFrame(columns=["round", "statement", "average (1-5)", "answers"])
    rows = []
    for (rid, key), part in answers.groupby(["round_id", "round"], sort=False):
        for col, label in labels.items():
            values = part[col].dropna()
            rows.append(
                {
                    "round_id": rid,
                    "round": key,
                    "statement": label,
                    "average (1-5)": round(float(values.mean()), 2) if len(values) else None,
                    "answers": len(values),
                }
            )
    return pd.DataFrame(rows).sort_values(["round_id"]).drop(columns="round_id").reset_index(drop=True)


def friction_points(database_url: str, round_key: str | None = None) -> pd.DataFrame:
    """Friction points as written, per round, without attribution, alphabetically."""
    answers = _answers(database_url)
    answers = answers[answers["friction"].notna()]
    if round_key:
        answers = answers[answers["round"] == round_key]
    out = answers[["round_title", "friction"]].rename(
        columns={"round_title": "round", "friction": "friction point"}
    )
    return out.sort_values(["round", "friction point"]).reset_index(drop=True)
