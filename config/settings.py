"""Load and validate the practice configuration.

The file format is a contract (ARCHITECTURE.md): scripts outside the code write their own configs.
Environment variables override secrets: ``DATABASE_URL``, ``WAREHOUSE_URL``, and a source ``url``
written as ``env:NAME``.

The demo configs in this folder may leave ``project.go_live`` out and give
``[demo] go_live_offset_days`` instead: go-live is then that many days from the day the demo data
was generated (recorded in ``demo_anchor.txt`` beside the app DB), so a demo generated today still
shows "100 days after" or "three weeks before" tomorrow. A demo go-live that would fall on a weekend
moves to the Monday after (clinics switch systems over a weekend and open on the new one).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"
SOURCE_ROLES = ("legacy", "new")
SOURCE_KINDS = ("sql", "csv", "x12", "fhir")
DEMO_MOMENTS = ("after", "before")
ANCHOR_FILE = "demo_anchor.txt"


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Source:
    name: str
    role: str
    kind: str
    url: str
    mapping: str | None = None
    schedule: str | None = None
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    path: Path
    go_live: dt.date
    database_url: str
    warehouse_url: str
    sources: tuple[Source, ...]
    run_off_payer_classes: tuple[str, ...] = ()
    demo: bool = False
    moment: str | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def legacy_source(self) -> Source | None:
        return next((s for s in self.sources if s.role == "legacy"), None)

    @property
    def new_source(self) -> Source | None:
        return next((s for s in self.sources if s.role == "new"), None)

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(f"{self.path}: no source named {name!r} (known: {', '.join(s.name for s in self.sources)})")

    @property
    def data_dir(self) -> Path:
        """Folder of the app DB when it is a SQLite file (where demo files and backups go), else ./data."""
        path = sqlite_path(self.database_url)
        return path.parent if path else Path("data").resolve()


def sqlite_path(url: str) -> Path | None:
    """The file behind a ``sqlite:///`` URL (relative to the working directory), or None."""
    if not url.startswith("sqlite:///"):
        return None
    rest = url[len("sqlite:///"):].split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest).resolve()


def duckdb_path(url: str) -> Path | None:
    """The file behind an ibis ``duckdb://`` URL, or None for another backend or memory."""
    if not url.startswith("duckdb://"):
        return None
    rest = url[len("duckdb://"):].split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest).resolve()


def default_config_path(moment: str = "after") -> Path:
    """The demo config shipped in config/ for one moment of the rollout."""
    if moment not in DEMO_MOMENTS:
        raise ConfigError(f"unknown demo moment {moment!r}; use one of {', '.join(DEMO_MOMENTS)}")
    return CONFIG_DIR / ("default.toml" if moment == "after" else "default_before.toml")


def _resolve_env(value: str, where: str, path: Path) -> str:
    if isinstance(value, str) and value.startswith("env:"):
        name = value[4:]
        if name not in os.environ:
            raise ConfigError(f"{path}: {where} = {value!r} but the environment variable {name} is not set")
        return os.environ[name]
    return value


def _require(table: dict, key: str, where: str, path: Path, kind: type | tuple = str):
    if key not in table:
        raise ConfigError(f"{path}: missing key {where}.{key}")
    value = table[key]
    if not isinstance(value, kind):
        raise ConfigError(f"{path}: {where}.{key} must be {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def demo_anchor(database_url: str) -> dt.date | None:
    """The day the demo data was generated, if recorded beside the app DB."""
    db = sqlite_path(database_url)
    anchor = (db.parent if db else Path("data").resolve()) / ANCHOR_FILE
    if anchor.exists():
        return dt.date.fromisoformat(anchor.read_text().strip())
    return None


def write_demo_anchor(settings: Settings, day: dt.date) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / ANCHOR_FILE).write_text(day.isoformat() + "\n")


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Read and check a config file; without a path, ``APP_CONFIG`` or the demo default."""
    if path is None:
        path = os.environ.get("APP_CONFIG") or default_config_path("after")
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: config file not found")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from exc

    project = raw.get("project", {})
    demo = raw.get("demo", {})
    if not isinstance(project, dict) or not isinstance(demo, dict):
        raise ConfigError(f"{path}: [project] and [demo] must be tables")

    app = raw.get("app", {})
    database_url = os.environ.get("DATABASE_URL") or _resolve_env(
        _require(app, "database_url", "app", path), "app.database_url", path)
    warehouse = raw.get("warehouse", {})
    warehouse_url = os.environ.get("WAREHOUSE_URL") or _resolve_env(
        _require(warehouse, "url", "warehouse", path), "warehouse.url", path)

    if "go_live" in project:
        go_live = project["go_live"]
        if isinstance(go_live, dt.datetime):
            go_live = go_live.date()
        if not isinstance(go_live, dt.date):
            raise ConfigError(f"{path}: project.go_live must be a date like 2026-03-02, got {go_live!r}")
    elif "go_live_offset_days" in demo:
        offset = _require(demo, "go_live_offset_days", "demo", path, int)
        go_live = (demo_anchor(database_url) or dt.date.today()) + dt.timedelta(days=offset)
        go_live += dt.timedelta(days=(7 - go_live.weekday()) % 7 if go_live.weekday() >= 5 else 0)
    else:
        raise ConfigError(f"{path}: missing key project.go_live")

    migration = raw.get("migration", {})
    run_off = migration.get("run_off_payer_classes", [])
    if not isinstance(run_off, list) or not all(isinstance(c, str) for c in run_off):
        raise ConfigError(f"{path}: migration.run_off_payer_classes must be a list of payer classes")

    sources = []
    seen = set()
    for i, src in enumerate(raw.get("sources", [])):
        where = f"sources[{i}]"
        name = _require(src, "name", where, path)
        where = f"sources[{i}] ({name})"
        if name in seen:
            raise ConfigError(f"{path}: two sources are named {name!r}")
        seen.add(name)
        role = _require(src, "role", where, path)
        if role not in SOURCE_ROLES:
            raise ConfigError(f"{path}: {where}.role = {role!r}; use legacy or new")
        kind = _require(src, "kind", where, path)
        if kind not in SOURCE_KINDS:
            raise ConfigError(f"{path}: {where}.kind = {kind!r}; use one of {', '.join(SOURCE_KINDS)}")
        url = _resolve_env(_require(src, "url", where, path), f"{where}.url", path)
        mapping = src.get("mapping")
        if kind in ("sql", "csv") and not mapping:
            raise ConfigError(f"{path}: missing key {where}.mapping (required for kind {kind})")
        known = {"name", "role", "kind", "url", "mapping", "schedule"}
        sources.append(Source(name=name, role=role, kind=kind, url=url, mapping=mapping,
                              schedule=src.get("schedule"),
                              options={k: v for k, v in src.items() if k not in known}))
    for role in SOURCE_ROLES:
        if sum(1 for s in sources if s.role == role) > 1:
            raise ConfigError(f"{path}: more than one source has role {role!r}; at most one legacy and one new")

    moment = demo.get("moment")
    if moment is not None and moment not in DEMO_MOMENTS:
        raise ConfigError(f"{path}: demo.moment = {moment!r}; use after or before")
    return Settings(path=path.resolve(), go_live=go_live, database_url=database_url,
                    warehouse_url=warehouse_url, sources=tuple(sources),
                    run_off_payer_classes=tuple(run_off), demo=bool(demo.get("enabled", False)),
                    moment=moment, raw=raw)
