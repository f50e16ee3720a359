"""First run: two sessions arriving at once build the demo once; a build that fails half-way is never
taken for a ready demo, and the next start builds it again from nothing."""

from __future__ import annotations

import threading

import pytest

from auth.users import create_user, list_users
from config.settings import load_settings
from jobs import setup
from tests.conftest import write_config

BUILDS: list[str] = []


def counting_generator(settings, today) -> None:  # noqa: ARG001 - generator signature
    BUILDS.append(str(settings.path))


def skip_sync(settings, actor) -> list:  # noqa: ARG001 - sync_all signature
    return []  # no sync run, so none failed


def half_way_then_fail(settings, moment, today) -> None:  # noqa: ARG001 - seeder signature
    create_user(settings.database_url, "halfway", "owner", "pw")
    raise RuntimeError("the demo build stopped half-way")


@pytest.fixture
def light_demo(tmp_path, monkeypatch):
    """A demo config whose build skips the PMS generator and sync (their own tests cover them)."""
    monkeypatch.setattr(setup, "GENERATOR", "tests.test_first_run:counting_generator")
    monkeypatch.setattr(setup, "SYNC", "tests.test_first_run:skip_sync")
    monkeypatch.setattr(setup, "DEMO_SEEDERS", ("auth.users:seed_demo",))
    BUILDS.clear()
    return load_settings(write_config(tmp_path / "demo", demo=True))


def test_two_sessions_at_once_build_once(light_demo):
    reports: dict[str, list[str]] = {"a": [], "b": []}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def session(name: str) -> None:
        try:
            start.wait()
            setup.ensure_ready_once(light_demo, lambda f, m: reports[name].append(m),
                                    waiting=lambda f, m: reports[name].append("waiting"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(n,)) for n in reports]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(BUILDS) == 1 and BUILDS[0] == str(light_demo.path)
    assert setup.demo_is_built(light_demo)
    builders = [n for n, r in reports.items() if "Ready" in r]
    assert len(builders) == 1
    assert len(list_users(light_demo.database_url)) == 6


def test_failed_build_is_not_marked_ready_and_restarts_clean(light_demo, monkeypatch):
    monkeypatch.setattr(setup, "DEMO_SEEDERS", ("auth.users:seed_demo", "tests.test_first_run:half_way_then_fail"))
    with pytest.raises(RuntimeError, match="half-way"):
        setup.ensure_ready_once(light_demo)
    assert not setup.demo_is_built(light_demo)
    assert not setup.ready_in_process(light_demo)
    assert "halfway" in [u.username for u in list_users(light_demo.database_url)]

    monkeypatch.setattr(setup, "DEMO_SEEDERS", ("auth.users:seed_demo",))
    setup.ensure_ready_once(light_demo)
    assert setup.demo_is_built(light_demo)
    names = [u.username for u in list_users(light_demo.database_url)]
    assert "halfway" not in names and len(names) == 6
    assert len(BUILDS) == 2


def test_init_command_waits_for_a_running_setup(light_demo):
    """manage.py init and the app share one lock file: while one holds it, the other waits."""
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with setup.setup_lock(light_demo):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    waited: list[str] = []
    other = threading.Thread(target=lambda: setup.ensure_ready_once(
        light_demo, waiting=lambda f, m: (waited.append(m), release.set())))
    other.start()
    other.join(30)
    holder.join(10)
    assert waited, "the second setup did not wait for the first"
    assert setup.demo_is_built(light_demo)
