"""Config loading: the contract's keys, env overrides, and errors that name the file and the key."""

from __future__ import annotations

import datetime as dt

import pytest

from config.settings import ConfigError, default_config_path, load_settings
from tests.conftest import write_config

SOURCE = '''
[[sources]]
name = "{name}"
role = "{role}"
kind = "{kind}"
url = "{url}"
mapping = "config/mappings/legacy_pms.yaml"
'''


def _sources(*specs: tuple[str, str]) -> str:
    return "".join(SOURCE.format(name=n, role=r, kind="sql", url="sqlite:///x.db") for n, r in specs)


def test_full_config_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    settings = load_settings(write_config(tmp_path, go_live="2026-03-02"))
    assert settings.go_live == dt.date(2026, 3, 2)
    assert settings.database_url == f"sqlite:///{tmp_path}/app.db"
    assert settings.warehouse_url == f"duckdb:///{tmp_path}/warehouse.duckdb"
    assert [(s.name, s.role) for s in settings.sources] == [("legacy", "legacy"), ("new", "new")]
    assert settings.legacy_source.name == "legacy" and settings.new_source.name == "new"
    assert settings.demo is False and settings.data_dir == tmp_path


def test_bad_toml_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[project\ngo_live = 2026-03-02\n")
    with pytest.raises(ConfigError, match=rf"{path}.*not valid TOML"):
        load_settings(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
        load_settings(tmp_path / "nope.toml")


@pytest.mark.parametrize(("remove", "key"), [
    ('database_url = "sqlite:///{d}/app.db"\n', "app.database_url"),
    ('url = "duckdb:///{d}/warehouse.duckdb"\n', "warehouse.url"),
    ("go_live = 2026-04-01\n", "project.go_live"),
])
def test_missing_key_is_named(tmp_path, monkeypatch, remove, key):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    path = write_config(tmp_path)
    text = path.read_text()
    line = remove.format(d=tmp_path)
    assert line in text
    path.write_text(text.replace(line, ""))
    with pytest.raises(ConfigError, match=rf"{path}: missing key {key}"):
        load_settings(path)


def test_missing_source_key_names_the_source(tmp_path):
    path = write_config(tmp_path, sources='[[sources]]\nname = "legacy"\nrole = "legacy"\nkind = "sql"\n'
                                          'mapping = "m.yaml"\n')
    with pytest.raises(ConfigError, match=r"missing key sources\[0\] \(legacy\)\.url"):
        load_settings(path)


def test_bad_role_and_kind(tmp_path):
    path = write_config(tmp_path, sources=_sources(("legacy", "old")))
    with pytest.raises(ConfigError, match=r"sources\[0\] \(legacy\)\.role = 'old'; use legacy or new"):
        load_settings(path)
    path = write_config(tmp_path, sources=SOURCE.format(name="x", role="new", kind="ftp", url="u"))
    with pytest.raises(ConfigError, match=r"kind = 'ftp'"):
        load_settings(path)


def test_duplicate_roles_and_names(tmp_path):
    path = write_config(tmp_path, sources=_sources(("a", "legacy"), ("b", "legacy")))
    with pytest.raises(ConfigError, match=r"more than one source has role 'legacy'"):
        load_settings(path)
    path = write_config(tmp_path, sources=_sources(("a", "legacy"), ("a", "new")))
    with pytest.raises(ConfigError, match=r"two sources are named 'a'"):
        load_settings(path)


def test_bad_go_live(tmp_path):
    path = write_config(tmp_path, go_live='"next spring"')
    with pytest.raises(ConfigError, match=r"project.go_live must be a date"):
        load_settings(path)


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("WAREHOUSE_URL", "duckdb:///elsewhere.duckdb")
    monkeypatch.setenv("NEW_PMS_URL", "sqlite:///from-env.db")
    path = write_config(tmp_path, sources=SOURCE.format(name="new", role="new", kind="sql", url="env:NEW_PMS_URL"))
    settings = load_settings(path)
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.warehouse_url == "duckdb:///elsewhere.duckdb"
    assert settings.source("new").url == "sqlite:///from-env.db"


def test_env_reference_to_unset_variable_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_PMS_URL", raising=False)
    path = write_config(tmp_path, sources=SOURCE.format(name="new", role="new", kind="sql",
                                                        url="env:NO_SUCH_PMS_URL"))
    with pytest.raises(ConfigError, match=rf"{path}: sources\[0\] \(new\)\.url = 'env:NO_SUCH_PMS_URL' but the "
                                          "environment variable NO_SUCH_PMS_URL is not set"):
        load_settings(path)


def test_unknown_source_name(tmp_path):
    settings = load_settings(write_config(tmp_path))
    with pytest.raises(ConfigError, match=r"no source named 'x' \(known: legacy, new\)"):
        settings.source("x")


def test_demo_go_live_follows_the_anchor(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = write_config(tmp_path, demo=True, moment="before")
    (tmp_path / "demo_anchor.txt").write_text("2026-01-10\n")
    settings = load_settings(path)
    assert settings.demo and settings.moment == "before"
    # 2026-01-10 + 21 days is Saturday 2026-01-31: a demo go-live moves to the Monday after.
    assert settings.go_live == dt.date(2026, 2, 2)
    (tmp_path / "demo_anchor.txt").write_text("2026-01-12\n")
    assert load_settings(path).go_live == dt.date(2026, 2, 2)  # Monday + 21 days is a Monday: unchanged


def test_shipped_demo_configs_load(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    for moment in ("after", "before"):
        settings = load_settings(default_config_path(moment))
        assert settings.demo and settings.moment == moment
        assert settings.database_url.startswith("sqlite:///data/demo-")
    with pytest.raises(ConfigError, match="unknown demo moment"):
        default_config_path("during")
