"""The embedded demo practice: generate its two PMS databases and the defect manifest for a config.

``jobs.setup.build_demo`` calls :func:`generate_for_settings` during ``manage.py init --demo``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from config.settings import Settings, sqlite_path
from seed_data.generator import GenerationResult, PracticeParams, generate

DEMO_SEED = 42
DEMO_LOCATIONS = 3
DEMO_PROVIDERS_PER_LOCATION = 6
DEMO_MONTHS = 18
MANIFEST_NAME = "demo_manifest.json"
# In the "before" moment, this location's go-live days are booked at full load (not cut), so the
# readiness page has a location to flag.
UNCUT_LOCATION = 2


def _source_path(settings: Settings, role: str) -> Path:
    source = settings.legacy_source if role == "legacy" else settings.new_source
    if source is None:
        raise ValueError(f"{settings.path}: the demo needs a source with role {role!r}")
    path = sqlite_path(source.url)
    if path is None:
        raise ValueError(f"{settings.path}: the demo's {role} source must be a sqlite:/// file URL, got {source.url!r}")
    return path


def demo_params(settings: Settings, today: dt.date) -> PracticeParams:
    moment = settings.moment or "after"
    extra = {"run_off_payer_classes": tuple(settings.run_off_payer_classes)}
    if moment == "before":
        extra["uncut_location"] = UNCUT_LOCATION
    return PracticeParams(seed=DEMO_SEED, locations=DEMO_LOCATIONS, providers_per_location=DEMO_PROVIDERS_PER_LOCATION,
                          months=DEMO_MONTHS, go_live=settings.go_live, today=today, moment=moment,
                          legacy_path=_source_path(settings, "legacy"), new_path=_source_path(settings, "new"),
                          manifest_path=settings.data_dir / MANIFEST_NAME, extra=extra)


def generate_for_settings(settings: Settings, today: dt.date | None = None) -> GenerationResult:
    """Write the demo's legacy and new PMS databases at the config's source URLs, and the manifest
    at ``<data_dir>/demo_manifest.json``."""
    today = today or dt.date.today()
    return generate(demo_params(settings, today))


def manifest_path(settings: Settings) -> Path:
    return settings.data_dir / MANIFEST_NAME
