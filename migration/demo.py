"""Demo state of the migration area: one stored check run and one spot-check sample.

After go-live the sample has been reviewed and signed off; three weeks before go-live it is about
half reviewed. Deterministic: the sample's seed is fixed and review times are spread from ``today``.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from auth import audit
from config.settings import Settings
from migration.runner import params_for, run_and_store
from migration.sample import draw
from tracker import spot_checks
from warehouse.errors import UserFacingError
from warehouse.store import reading

DEMO_SEED = 2026
REVIEWER = audit.Actor("lead", "implementation_lead", "demo")
ADMIN = audit.Actor("admin", "administrator", "demo")


def seed_demo(settings: Settings, moment: str, today: dt.date) -> None:
    # Nothing migrated into the new system yet stops the check, not the sample (drawn from the legacy side).
    with contextlib.suppress(UserFacingError):
        run_and_store(settings, audit.Actor("demo", None, "demo"))
    try:
        params = params_for(settings)
        with reading(settings.warehouse_url) as con:
            drawn = draw(con, params, seed=DEMO_SEED)
    except UserFacingError:
        return
    if not drawn.items:
        return
    sample_id = spot_checks.create_sample(settings.database_url, drawn, ADMIN)
    frame = spot_checks.items(settings.database_url, sample_id)
    start = dt.datetime.combine(today, dt.time(9)) - dt.timedelta(days=3)
    share = 1.0 if moment == "after" else 0.5
    reviewed = frame.head(int(len(frame) * share))
    spot_checks.mark_many(settings.database_url, [
        (int(item["id"]), "verified", None, start + dt.timedelta(minutes=2 * i))
        for i, item in enumerate(reviewed.to_dict("records"))], REVIEWER)
    if moment == "after":
        spot_checks.sign_off(settings.database_url, sample_id, ADMIN,
                             note="Every sampled record matched the legacy system on screen.",
                             at=start + dt.timedelta(days=1))
