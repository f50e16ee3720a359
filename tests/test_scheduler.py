"""The scheduler: a failing sync is retried with backoff and the process survives; SIGTERM stops it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from apscheduler.schedulers.background import BackgroundScheduler

from config.settings import load_settings
from jobs.scheduler import build_scheduler, run_source
from tests.conftest import REPO, write_config
from tests.sync_helpers import make_pms, write_mapping
from tracker import sync_log


def _settings(tmp_path, *, broken: bool, extra: str = ""):
    directory = tmp_path / "practice"
    db = make_pms(directory / "legacy_pms.db")
    mapping = write_mapping(directory / "legacy.yaml")
    url = f"sqlite:///{directory}/missing.db" if broken else f"sqlite:///{db}"
    sources = f'''
[[sources]]
name = "legacy"
role = "legacy"
kind = "sql"
url = "{url}"
mapping = "{mapping}"
schedule = "0 3 * * *"
'''
    from jobs.setup import init_stores

    settings = load_settings(write_config(directory, sources=sources, extra=extra))
    init_stores(settings)
    return settings


def _wait(condition, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.1)


def test_failed_sync_is_retried_with_backoff_and_the_scheduler_survives(tmp_path):
    settings = _settings(tmp_path, broken=True, extra="[scheduler]\nretry_delays_seconds = [0.2, 0.5]\n")
    scheduler = build_scheduler(settings, BackgroundScheduler(timezone="UTC"))
    job = scheduler.get_job("sync-legacy")
    assert job.max_instances == 1 and job.coalesce
    scheduler.start()
    try:
        assert run_source(scheduler, str(settings.path), "legacy") == "failed"
        _wait(lambda: len(sync_log.history(settings.database_url, "legacy")) == 3)
        time.sleep(1.0)  # no fourth attempt: two retries, then wait for the next cron run
        history = sync_log.history(settings.database_url, "legacy")
        assert list(history.outcome) == ["failed"] * 3
        assert set(history.triggered_by) == {"scheduler"}
        assert "not found" in history.error[0]
        assert scheduler.running and scheduler.get_job("sync-legacy") is not None
    finally:
        scheduler.shutdown(wait=True)


def test_retry_succeeds_once_the_source_is_back(tmp_path):
    settings = _settings(tmp_path, broken=True, extra="[scheduler]\nretry_delays_seconds = [1.0]\n")
    scheduler = build_scheduler(settings, BackgroundScheduler(timezone="UTC"))
    scheduler.start()
    try:
        assert run_source(scheduler, str(settings.path), "legacy") == "failed"
        make_pms(tmp_path / "practice" / "missing.db")  # the database is reachable again
        _wait(lambda: sync_log.latest_success(settings.database_url, "legacy") is not None)
        assert list(sync_log.history(settings.database_url, "legacy").outcome) == ["success", "failed"]
    finally:
        scheduler.shutdown(wait=True)


def test_scheduler_process_syncs_survives_failures_and_stops_on_sigterm(tmp_path):
    settings = _settings(tmp_path, broken=False,
                         extra="[scheduler]\nsync_at_start = true\nretry_delays_seconds = [0.5]\n")
    config = settings.path
    # a second, broken source: its failures must not stop the good one or the process
    text = config.read_text() + f'''
[[sources]]
name = "new"
role = "new"
kind = "sql"
url = "sqlite:///{tmp_path}/nowhere.db"
mapping = "{tmp_path}/practice/legacy.yaml"
schedule = "*/5 * * * *"
'''
    config.write_text(text)
    proc = subprocess.Popen([sys.executable, "manage.py", "--config", str(config), "scheduler"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "new: giving up until the next scheduled run" in line:
                break
        _wait(lambda: sync_log.latest_success(settings.database_url, "legacy") is not None)
        assert proc.poll() is None, "".join(lines)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        lines.append(out)
    finally:
        if proc.poll() is None:
            proc.kill()
    log = "".join(lines)
    assert proc.returncode == 0, log
    assert "new: retry 1 of 1 in 0 s" in log or "new: retry 1 of 1 in 1 s" in log, log
    assert "received SIGTERM, stopping" in log and "scheduler stopped" in log
    assert [v.outcome for v in [sync_log.last_run(settings.database_url, "new")]] == ["failed"]
    assert len(sync_log.history(settings.database_url, "new")) == 2
