"""Demo project state for training, the staff pulse and the vendor decision.

One fixed timeline relative to go-live, cut at the demo's "today":
- before (three weeks ahead of go-live): front desk is below 90 % but on pace to cross it before
  go-live; clinicians are below 90 % and their pace lands after go-live; the other groups passed.
- after (100 days past go-live): every group passed.
Pulse rounds: baseline (before go-live), 30 and 60 days after (only those already due are seeded).
Vendors: three candidates, the decision recorded in both moments.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from auth import audit
from config.settings import Settings
from tracker import pulse, vendors
from tracker.db import session_scope
from tracker.training import DEFAULT_CURRICULUM, Module, Result, Staff

ACTOR = audit.Actor("demo-setup", "administrator")
FALLBACK_LOCATIONS = ("Main Street", "Riverside", "Northgate")  # as tracker/demo_plan.py
MAX_LOCATIONS = 6  # a roster of ~45 people is spread over at most this many clinics

FIRST = (
    "Alex",
    "Bianca",
    "Carlos",
    "Dana",
    "Elena",
    "Farah",
    "Gavin",
    "Hana",
    "Isaac",
    "Jada",
    "Kofi",
    "Lena",
    "Mateo",
    "Nora",
    "Omar",
    "Paige",
    "Quinn",
    "Rosa",
    "Simone",
    "Theo",
    "Uma",
    "Victor",
    "Wren",
    "Yusuf",
    "Zoe",
    "Amara",
    "Brooks",
    "Celine",
    "Dev",
    "Esme",
    "Felix",
    "Greta",
    "Hugo",
    "Ines",
    "Jonah",
    "Keira",
    "Luis",
    "Maya",
    "Nikhil",
    "Olive",
    "Pablo",
    "Renee",
    "Soren",
    "Tara",
)
LAST = (
    "Abbott",
    "Bauer",
    "Castillo",
    "Dunn",
    "Ekwueme",
    "Foster",
    "Garza",
    "Hughes",
    "Ito",
    "Jensen",
    "Kaur",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Osei",
    "Park",
    "Quintero",
    "Reyes",
    "Sato",
    "Tran",
    "Underwood",
    "Vance",
    "Walsh",
    "Yilmaz",
)

# Day (relative to go-live) each person became fully trained; None = never. One list per group.
# Before-moment "today" is go-live - 21; the pace window is the 14 days ending then (-34 .. -21).
TIMELINE = {
    # 10 people: 7 trained by -21 (3 inside the window) -> pace 3/14, 2 more needed -> ~10 days -> go-live -11.
    "front_desk": [-52, -47, -43, -40, -33, -28, -24, -15, -9, -4],
    # 16 people: 10 trained by -21 (2 inside the window) -> pace 1/7, 5 more needed -> 35 days -> go-live +14.
    "clinician": [-60, -55, -52, -50, -46, -44, -41, -38, -30, -22, -18, -12, -8, -5, -2, None],
    "assistant": [-58, -50, -45, -40, -37, -29],
    "billing": [-49, -44, -38, -26],
    "leadership": [-56, -48, -42, -36, -23],
}
INACTIVE = {"front_desk": 1, "clinician": 1}  # people who left: on the roster, not counted
# The demo logins are on the roster too (auth.users.DEMO_USERS), so their names look familiar.
DEMO_PEOPLE = {
    "front_desk": ["Tess Kowalski"],
    "clinician": ["Sam Okafor"],
    "billing": ["Gloria Mendez"],
    "leadership": ["Marcus Ellery", "Dana Whitfield", "Priya Natarajan"],
}

FRICTION = {
    "baseline": [
        "Worried the switch lands in our busiest month.",
        "Not sure who to ask when the old screens go away.",
        "Training slots clash with my patient schedule.",
    ],
    "day30": [
        "Check-in takes more clicks than the old system.",
        "Co-signature queue is easy to miss.",
        "Insurance card scanning fails on older cards.",
        "Reminder texts went out with the wrong clinic phone.",
        "Daily note template is long for follow-up visits.",
        "Finding a patient's remaining authorized visits.",
    ],
    "day60": [
        "Denial work queue needs a filter by payer.",
        "Progress-note alerts arrive too late in the week.",
        "Still switching tabs to see the schedule and the note together.",
    ],
}
# Answer mix per round: counts of scores 10, 9, 8, 7, 6, 5, 3.
MIX = {"baseline": (4, 6, 7, 5, 4, 3, 1), "day30": (3, 5, 6, 6, 6, 4, 2), "day60": (6, 8, 7, 5, 3, 2, 1)}
SCORES = (10, 9, 8, 7, 6, 5, 3)


def seed_demo(settings: Settings, moment: str, today: dt.date) -> None:
    url = settings.database_url
    with session_scope(url) as s:
        if s.scalar(select(Staff.id).limit(1)) is not None:
            return  # already seeded
    go_live = settings.go_live
    rng = random.Random(7)
    locations = demo_locations(settings)
    seed_training(url, go_live, today, locations, rng)
    seed_pulse(url, go_live, today, locations, rng)
    seed_vendors(url, go_live)


def demo_locations(settings: Settings) -> list[str]:
    """The practice's location names: the plan's profile (seeded just before), else the legacy system's
    locations in the warehouse, else the same typical three clinics the plan falls back to."""
    try:
        from tracker.plan import get_profile

        profile = get_profile(settings.database_url)
        names = [str(n) for n in (getattr(profile, "location_names", None) or ()) if n]
        if names:
            return names[:MAX_LOCATIONS]
    except Exception:  # noqa: BLE001 - the plan area is optional for this seeder
        pass
    try:
        from warehouse.store import reading

        with reading(settings.warehouse_url) as con:
            table = con.table("locations")
            legacy = settings.legacy_source.name if settings.legacy_source else None
            if legacy and "source_system" in table.columns:
                table = table.filter(table.source_system == legacy)
            names = sorted({str(n) for n in table.select("name").execute()["name"].dropna()})
    except Exception:  # noqa: BLE001 - the demo must build even without a warehouse
        names = []
    return names[:MAX_LOCATIONS] or list(FALLBACK_LOCATIONS)


def seed_training(
    url: str, go_live: dt.date, today: dt.date, locations: list[str], rng: random.Random
) -> None:
    names = iter(_names(rng))
    with session_scope(url) as s:
        modules = {}
        for key, group, title, fmt, required in DEFAULT_CURRICULUM:
            m = Module(module_key=key, title=title, role_group=group, format=fmt, required=required)
            s.add(m)
            modules.setdefault(group, []).append(m)
        s.flush()
        number = 0
        for group, days in TIMELINE.items():
            people = [*days, *([None] * INACTIVE.get(group, 0))]
            for i, trained_day in enumerate(people):
                number += 1
                active = i < len(days)
                known = DEMO_PEOPLE.get(group, [])
                person = Staff(
                    staff_key=f"S{number:03d}",
                    name=known[i] if i < len(known) else next(names),
                    role_group=group,
                    location=locations[i % len(locations)],
                    active=active,
                    super_user=group in ("front_desk", "clinician") and i < len(locations),
                )
                s.add(person)
                s.flush()
                _results(s, person, modules[group], go_live, today, trained_day if active else None, rng)
        audit.add(
            s,
            ACTOR,
            audit.CREATE,
            resource_type="training_demo",
            resource_id="roster",
            detail={"staff": number},
        )


def _results(
    s,
    person: Staff,
    modules: list[Module],
    go_live: dt.date,
    today: dt.date,
    trained_day: int | None,
    rng: random.Random,
) -> None:
    """Module results leading up to the trained day; only those dated by ``today`` exist yet.

    People who never finish (or finish later) have all but the last required module, with one failed
    check, so "who is missing what" shows something real."""
    required = [m for m in modules if m.required]
    end = go_live + dt.timedelta(days=trained_day if trained_day is not None else -20)
    for j, module in enumerate(required):
        day = end - dt.timedelta(days=(len(required) - 1 - j) * rng.randint(2, 4))
        if day > today:
            continue
        last = j == len(required) - 1
        if trained_day is None and last:
            s.add(
                Result(
                    staff_id=person.id,
                    module_id=module.id,
                    completed_on=day,
                    check_result="fail",
                    check_date=day,
                    score=float(rng.randint(45, 68)),
                )
            )
            continue
        s.add(
            Result(
                staff_id=person.id,
                module_id=module.id,
                completed_on=day,
                check_result="pass",
                check_date=day,
                score=float(rng.randint(78, 100)),
            )
        )


def _names(rng: random.Random) -> list[str]:
    pairs = [f"{f} {la}" for f in FIRST for la in LAST]
    rng.shuffle(pairs)
    seen, out = set(), []
    for p in pairs:
        first = p.split()[0]
        if first not in seen:  # one per first name keeps the demo roster readable
            seen.add(first)
            out.append(p)
    return out


def seed_pulse(url: str, go_live: dt.date, today: dt.date, locations: list[str], rng: random.Random) -> None:
    rounds = [
        ("baseline", "Baseline (before go-live)", -30),
        ("day30", "30 days after go-live", 30),
        ("day60", "60 days after go-live", 60),
    ]
    due = [r for r in rounds if go_live + dt.timedelta(days=r[2]) <= today]
    groups = (
        "front_desk",
        "clinician",
        "clinician",
        "assistant",
        "billing",
        "leadership",
        "clinician",
        "front_desk",
    )
    for n, (key, title, offset) in enumerate(due):
        is_open = n == len(due) - 1  # the newest round stays open for the demo users
        round_id = pulse.add_round(
            url, ACTOR, key, title, go_live + dt.timedelta(days=offset), is_open=is_open
        )
        answers = []
        friction = list(FRICTION[key])
        for score, count in zip(SCORES, MIX[key], strict=True):
            for _ in range(count):
                base = 2 + (score >= 7) + (score >= 9)
                statements = {
                    k: max(1, min(5, base + rng.choice((-1, 0, 0, 1)))) for k, _ in pulse.STATEMENTS
                }
                answers.append(
                    pulse.PulseAnswer(
                        recommend=score,
                        statements=statements,
                        role_group=rng.choice(groups),
                        location=rng.choice(locations),
                        friction=friction.pop() if friction and score <= 7 else None,
                    )
                )
        rng.shuffle(answers)
        pulse.add_anonymous_answers(url, round_id, answers)


def seed_vendors(url: str, go_live: dt.date) -> None:
    """Three fictional candidates and the decision (recorded about four months before go-live)."""
    candidates = [
        (
            "Harborline Therapy Cloud",
            {
                "specialty_fit": 5,
                "revenue_integrity": 5,
                "documentation": 4,
                "prior_auth": 4,
                "total_cost": 5,
            },
            {
                "price_per_provider_month": 150,
                "support_per_month": 0,
                "implementation_fee": 2500,
                "training_fee": 0,
                "migration_fee": 1500,
            },
            "All-inclusive price; therapy templates by discipline; shows 98 % clean claims.",
        ),
        (
            "Summit Practice Suite",
            {
                "specialty_fit": 3,
                "revenue_integrity": 4,
                "documentation": 3,
                "prior_auth": 5,
                "total_cost": 2,
            },
            {
                "price_per_provider_month": 650,
                "addons_per_provider_month": 120,
                "support_per_month": 400,
                "implementation_fee": 12000,
                "training_fee": 4000,
                "migration_fee": 6000,
            },
            "Strong prior-authorization module, but priced per add-on and built for physician groups.",
        ),
        (
            "Northgate Rehab EMR",
            {
                "specialty_fit": 4,
                "revenue_integrity": 3,
                "documentation": 4,
                "prior_auth": 2,
                "total_cost": 4,
            },
            {
                "price_per_provider_month": 240,
                "addons_per_provider_month": 35,
                "support_per_month": 150,
                "implementation_fee": 5000,
                "training_fee": 1500,
                "migration_fee": 3000,
            },
            "Good notes; clean-claim figures could not be verified.",
        ),
    ]
    ids = {}
    for name, scores, costs, notes in candidates:
        ids[name] = vendors.add_vendor(
            url, ACTOR, name, scores=scores, costs={k: Decimal(v) for k, v in costs.items()}, notes=notes
        )
    vendors.set_weights(url, ACTOR, dict(vendors.DEFAULT_WEIGHTS))
    vendors.ensure_default_questions(url, ACTOR)
    answers = {
        "Harborline Therapy Cloud": [
            "98 % across therapy clients (report shared)",
            "Daily note in about 4 minutes",
            "Rules for the 12 largest payers",
            "$4,000 one-time, nothing else",
            "Named specialist on site days 1-3, phone weeks 2-4",
        ],
        "Summit Practice Suite": [
            "94 % (all specialties, not therapy only)",
            "No therapy-specific benchmark",
            "All national payers, add-on module",
            "$22,000 plus add-ons",
            "Ticket support; on-site at extra cost",
        ],
        "Northgate Rehab EMR": [
            "Not disclosed",
            "About 6 minutes per daily note",
            "Manual prior-authorization tracking only",
            "$9,500 one-time",
            "Remote support during week 1",
        ],
    }
    questions = vendors.list_questions(url)
    for name, texts in answers.items():
        for (qid, _), text in zip(questions, texts, strict=False):
            vendors.set_answer(url, ACTOR, ids[name], qid, text)
    vendors.choose_vendor(
        url,
        ACTOR,
        ids["Harborline Therapy Cloud"],
        "Best fit for our three disciplines and the lowest five-year cost; its clean-claim rate "
        "was backed by a client report.",
        when=dt.datetime.combine(go_live - dt.timedelta(days=120), dt.time(16, 0)),
    )
