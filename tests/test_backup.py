"""``manage.py backup`` / ``restore``: both stores in one archive; a bad archive changes nothing."""

from __future__ import annotations

import tarfile

import duckdb
import pytest

from auth.users import create_user, list_users
from config.settings import duckdb_path
from jobs.backup import backup, restore
from warehouse.errors import UserFacingError


def _warehouse_rows(settings) -> int:
    con = duckdb.connect(str(duckdb_path(settings.warehouse_url)), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM locations").fetchone()[0]
    finally:
        con.close()


def _add_location(settings, location_id: str) -> None:
    con = duckdb.connect(str(duckdb_path(settings.warehouse_url)))
    try:
        con.execute("INSERT INTO locations (location_id, name, source_system) VALUES (?, 'Main', 'legacy')",
                    [location_id])
    finally:
        con.close()


def test_backup_then_restore_brings_both_stores_back(tmp_settings, tmp_path):
    create_user(tmp_settings.database_url, "ann", "owner", "pw")
    _add_location(tmp_settings, "L1")
    archive = tmp_path / "backups" / "practice.tar.gz"
    manifest = backup(tmp_settings, archive)
    assert manifest["alembic_revision"] == "0006"
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == ["app.db", "manifest.json", "warehouse.duckdb"]

    create_user(tmp_settings.database_url, "bob", "owner", "pw")
    _add_location(tmp_settings, "L2")
    restore(tmp_settings, archive)
    assert [u.username for u in list_users(tmp_settings.database_url)] == ["ann"]
    assert _warehouse_rows(tmp_settings) == 1


@pytest.mark.parametrize("content", ["junk", "tar-without-warehouse"])
def test_bad_archive_leaves_the_stores_as_they_were(tmp_settings, tmp_path, content):
    create_user(tmp_settings.database_url, "ann", "owner", "pw")
    _add_location(tmp_settings, "L1")
    archive = tmp_path / "bad.tar.gz"
    if content == "junk":
        archive.write_text("not an archive")
        expected = "not a readable .tar.gz backup archive"
    else:
        good = tmp_path / "good.tar.gz"
        backup(tmp_settings, good)
        with tarfile.open(good) as src, tarfile.open(archive, "w:gz") as dst:
            for member in src.getmembers():
                if member.name != "warehouse.duckdb":
                    dst.addfile(member, src.extractfile(member))
        expected = "missing warehouse.duckdb"
    with pytest.raises(UserFacingError, match=rf"{archive}: .*{expected}"):
        restore(tmp_settings, archive)
    assert [u.username for u in list_users(tmp_settings.database_url)] == ["ann"]
    assert _warehouse_rows(tmp_settings) == 1


def test_corrupt_app_db_in_archive_is_refused(tmp_settings, tmp_path):
    good = tmp_path / "good.tar.gz"
    backup(tmp_settings, good)
    broken = tmp_path / "broken.tar.gz"
    junk = tmp_path / "app.db"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with tarfile.open(good) as src, tarfile.open(broken, "w:gz") as dst:
        for member in src.getmembers():
            if member.name == "app.db":
                dst.add(junk, arcname="app.db")
            else:
                dst.addfile(member, src.extractfile(member))
    with pytest.raises(UserFacingError, match=r"app\.db"):
        restore(tmp_settings, broken)


def test_backup_of_a_server_database_says_to_use_its_tools(tmp_settings, tmp_path):
    import dataclasses

    on_postgres = dataclasses.replace(tmp_settings, database_url="postgresql+psycopg://u@h/db")
    with pytest.raises(UserFacingError, match="pg_dump"):
        backup(on_postgres, tmp_path / "x.tar.gz")
