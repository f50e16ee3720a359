"""Shared fixtures: temporary stores, real database servers, a real Streamlit server and Chromium.

Servers: PostgreSQL and MariaDB URLs come from TEST_POSTGRES_URL / TEST_MARIADB_URL (defaults: the
servers on this machine). Without a server such tests skip with the reason, except under CI=true,
where a missing server fails the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIADB_URL = os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _server_or_skip(url: str, what: str) -> None:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        message = f"{what} server not reachable at {url}: {exc.__class__.__name__}: {str(exc)[:200]}"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing server fails the run)")
        pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    _server_or_skip(POSTGRES_URL, "PostgreSQL")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def mariadb_server_url() -> str:
    _server_or_skip(MARIADB_URL, "MariaDB")
    return MARIADB_URL


@pytest.fixture
def postgres_schema(postgres_server_url):
    """A fresh PostgreSQL schema for one test, dropped afterwards. Yields (sqlalchemy_url, schema)."""
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres_server_url else "?"
    url = f"{postgres_server_url}{sep}options=-csearch_path%3D{schema}"
    try:
        yield url, schema
    finally:
        from tracker.db import dispose_engines

        dispose_engines()
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def mariadb_database(mariadb_server_url):
    """A fresh MariaDB database for one test, dropped afterwards. Yields its SQLAlchemy URL."""
    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(mariadb_server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}`"))
    base = mariadb_server_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE `{name}`"))
        engine.dispose()


def write_config(directory: Path, *, go_live: str = "2026-04-01", demo: bool = False, moment: str = "after",
                 sources: str | None = None, extra: str = "") -> Path:
    """A config TOML with absolute paths inside ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    project = "" if demo else f"go_live = {go_live}\n"
    demo_block = ""
    if demo:
        offset = -100 if moment == "after" else 21
        demo_block = f'[demo]\nenabled = true\nmoment = "{moment}"\ngo_live_offset_days = {offset}\n'
    if sources is None:
        sources = f'''
[[sources]]
name = "legacy"
role = "legacy"
kind = "sql"
url = "sqlite:///{directory}/legacy_pms.db"
mapping = "{REPO}/config/mappings/legacy_pms.yaml"

[[sources]]
name = "new"
role = "new"
kind = "sql"
url = "sqlite:///{directory}/new_pms.db"
mapping = "{REPO}/config/mappings/new_pms.yaml"
'''
    text = f'''[project]
{project}practice_name = "Test Practice"

{demo_block}
[migration]
run_off_payer_classes = []

[app]
database_url = "sqlite:///{directory}/app.db"

[warehouse]
url = "duckdb:///{directory}/warehouse.duckdb"
{sources}
{extra}'''
    path = directory / "config.toml"
    path.write_text(text)
    return path


@pytest.fixture
def tmp_settings(tmp_path):
    """Settings for an empty practice in a temporary folder, stores created."""
    from config.settings import load_settings
    from jobs.setup import init_stores

    settings = load_settings(write_config(tmp_path / "practice"))
    init_stores(settings)
    return settings


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """The demo practice (after moment) built once per test session in a temporary folder."""
    from config.settings import load_settings
    from jobs.setup import build_demo

    directory = tmp_path_factory.mktemp("demo-after")
    path = write_config(directory, demo=True, moment="after")
    build_demo(load_settings(path))
    return directory


@pytest.fixture(scope="session")
def demo_settings(demo_dir):
    from config.settings import load_settings

    return load_settings(demo_dir / "config.toml")


# ---------------------------------------------------------------- Streamlit server + Chromium


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(config_path: Path, timeout: float = 180):
    """Run ``streamlit run app.py`` against a config; yields the base URL."""
    import urllib.request

    port = free_port()
    env = {**os.environ, "APP_CONFIG": str(config_path), "PYTHONUNBUFFERED": "1"}
    log = open(Path(config_path).parent / f"streamlit-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.read().decode() == "ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                log.flush()
                raise RuntimeError(f"streamlit did not start: {(Path(log.name)).read_text()[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def demo_server(demo_dir):
    """A Streamlit server on the session's demo practice."""
    with streamlit_server(demo_dir / "config.toml") as base:
        yield base


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (install Debian's chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]}


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """Streamlit caches outlive a test in one process (streamlit#9139)."""
    yield
    if "streamlit" in sys.modules:
        import streamlit as st

        st.cache_data.clear()
        st.cache_resource.clear()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _rm_tree():
    return shutil.rmtree
