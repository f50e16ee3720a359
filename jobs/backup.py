"""``manage.py backup PATH`` / ``restore PATH``: the app DB and the warehouse in one archive.

The archive is a .tar.gz holding ``manifest.json``, ``app.db`` (a consistent SQLite snapshot taken
with SQLite's backup API, so a running app is fine) and ``warehouse.duckdb`` (copied while a
read-only DuckDB connection keeps writers out). Restore checks the whole archive first and only
then swaps both files in, so a bad archive leaves the stores exactly as they were; an archive from
an older version is upgraded to the current schema afterwards. Stop the app and the scheduler
before restoring.

Both stores must be files (the defaults). A PostgreSQL app DB or another warehouse backend is
backed up with that server's own tools (pg_dump); the command says so instead of guessing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from config.settings import Settings, duckdb_path, sqlite_path
from warehouse.errors import UserFacingError

FORMAT = 1
APP_DB = "app.db"
WAREHOUSE = "warehouse.duckdb"
MANIFEST = "manifest.json"


def _store_files(settings: Settings) -> tuple[Path, Path]:
    app_db = sqlite_path(settings.database_url)
    warehouse = duckdb_path(settings.warehouse_url)
    if app_db is None:
        raise UserFacingError(f"{settings.path}: app.database_url is not a SQLite file "
                              f"({settings.database_url.split(':', 1)[0]}); back it up with the database's own "
                              "tools (pg_dump for PostgreSQL)")
    if warehouse is None:
        raise UserFacingError(f"{settings.path}: warehouse.url is not a DuckDB file; back that warehouse up "
                              "with its own tools")
    return app_db, warehouse


def backup(settings: Settings, archive: Path) -> dict:
    """Write both stores to ``archive``; returns the manifest."""
    app_db, warehouse = _store_files(settings)
    for path, what in ((app_db, "app DB"), (warehouse, "warehouse")):
        if not path.exists():
            raise UserFacingError(f"{settings.path}: the {what} {path} does not exist yet (run manage.py init)")
    archive = Path(archive).resolve()
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=archive.parent, prefix=".backup-") as tmp:
        tmp = Path(tmp)
        _sqlite_snapshot(app_db, tmp / APP_DB)
        _duckdb_snapshot(warehouse, tmp / WAREHOUSE)
        manifest = {"format": FORMAT, "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "config": str(settings.path), "alembic_revision": _revision(tmp / APP_DB),
                    "files": [APP_DB, WAREHOUSE]}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial = tmp / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            for name in (MANIFEST, APP_DB, WAREHOUSE):
                tar.add(tmp / name, arcname=name)
        os.replace(partial, archive)
    return manifest


def restore(settings: Settings, archive: Path) -> dict:
    """Replace both stores with the archive's; nothing changes unless the whole archive is usable."""
    app_db, warehouse = _store_files(settings)
    archive = Path(archive)
    if not archive.is_file():
        raise UserFacingError(f"{archive}: backup archive not found")
    app_db.parent.mkdir(parents=True, exist_ok=True)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=app_db.parent, prefix=".restore-") as tmp:
        tmp = Path(tmp)
        manifest = _unpack(archive, tmp)
        _check_sqlite(archive, tmp / APP_DB)
        _check_duckdb(archive, tmp / WAREHOUSE)
        # Both checked: swap them in (same filesystem as the targets, so each swap is atomic).
        from tracker.db import dispose_engines, upgrade

        dispose_engines()
        staged_wh = warehouse.with_name(f".{warehouse.name}.restoring")
        shutil.copyfile(tmp / WAREHOUSE, staged_wh)
        for leftover in (Path(f"{app_db}-wal"), Path(f"{app_db}-shm"), Path(f"{warehouse}.wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        os.replace(tmp / APP_DB, app_db)
        os.replace(staged_wh, warehouse)
    upgrade(settings.database_url)  # an archive from an older version gets the newer tables
    return manifest


def _sqlite_snapshot(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _duckdb_snapshot(source: Path, target: Path) -> None:
    import duckdb

    try:
        con = duckdb.connect(str(source), read_only=True)  # fails while a writer holds the file
    except duckdb.Error as exc:
        raise UserFacingError(f"{source}: cannot open the warehouse to back it up ({exc}); "
                              "try again when the running sync has finished") from exc
    try:
        with open(source, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
    finally:
        con.close()


def _revision(app_db: Path) -> str | None:
    con = sqlite3.connect(app_db)
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite3.Error:
        return None
    finally:
        con.close()


def _unpack(archive: Path, into: Path) -> dict:
    try:
        with tarfile.open(archive, "r:*") as tar:
            names = set(tar.getnames())
            missing = [n for n in (MANIFEST, APP_DB, WAREHOUSE) if n not in names]
            if missing:
                raise UserFacingError(f"{archive}: not a backup of this dashboard (missing {', '.join(missing)})")
            for name in (MANIFEST, APP_DB, WAREHOUSE):
                member = tar.getmember(name)
                if not member.isfile():
                    raise UserFacingError(f"{archive}: {name} in the archive is not a plain file")
                tar.extract(member, into, filter="data")
    except (tarfile.TarError, EOFError) as exc:
        raise UserFacingError(f"{archive}: not a readable .tar.gz backup archive") from exc
    except OSError as exc:
        raise UserFacingError(f"{archive}: cannot read the backup archive ({exc})") from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text())
    except ValueError as exc:
        raise UserFacingError(f"{archive}: {MANIFEST} is not valid JSON ({exc})") from exc
    if manifest.get("format") != FORMAT:
        raise UserFacingError(f"{archive}: backup format {manifest.get('format')!r} is not supported "
                              f"(this version reads format {FORMAT})")
    return manifest


def _check_sqlite(archive: Path, path: Path) -> None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise UserFacingError(f"{archive}: {APP_DB} is not a usable SQLite database ({exc})") from exc
    if ok != "ok":
        raise UserFacingError(f"{archive}: {APP_DB} failed SQLite's integrity check: {ok}")
    if "alembic_version" not in tables or "users" not in tables:
        raise UserFacingError(f"{archive}: {APP_DB} is not this dashboard's app DB (no users table)")


def _check_duckdb(archive: Path, path: Path) -> None:
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            con.execute("SELECT count(*) FROM information_schema.tables").fetchone()
        finally:
            con.close()
    except duckdb.Error as exc:
        raise UserFacingError(f"{archive}: {WAREHOUSE} is not a usable DuckDB file ({exc})") from exc


def backup_command(args, settings: Settings) -> int:
    manifest = backup(settings, Path(args.path))
    print(f"Backed up the app DB (schema {manifest['alembic_revision']}) and the warehouse to {args.path}.")
    return 0


def restore_command(args, settings: Settings) -> int:
    manifest = restore(settings, Path(args.path))
    print(f"Restored the app DB and the warehouse from {args.path} (taken {manifest['created_at']}).")
    return 0
