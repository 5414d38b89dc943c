"""Beat can no longer die unseen (issue 13): beat, workers and periodic jobs write heartbeats;
health details and the sync screen say what is older than twice its interval."""

import datetime as dt
import os
import signal
import time

import pytest
from django.utils import timezone

from o2o_site.heartbeats import heartbeat_record, periodic_health, periodic_intervals
from o2o_site.testing import child_pids, start_worker


def _late_names(health: dict) -> set[str]:
    return {item["name"] for item in health["late"]}


@pytest.mark.django_db
def test_a_periodic_job_is_late_once_its_last_run_is_older_than_twice_its_interval():
    # given: beat and a worker alive, every periodic task ran just now, except one 61 s ago
    now = timezone.now()
    heartbeat_record(name="beat", interval_seconds=30, at=now)
    heartbeat_record(name="worker:w1@host", interval_seconds=30, at=now)
    intervals = periodic_intervals()
    assert intervals["o2o_site.outbox_drain"] == 30
    for task, every in intervals.items():
        heartbeat_record(name=f"task:{task}", interval_seconds=every, at=now)
    heartbeat_record(name="task:o2o_site.outbox_drain", interval_seconds=30, at=now - dt.timedelta(seconds=59))
    assert periodic_health(now=now)["ok"]
    # when: two seconds later
    later = periodic_health(now=now + dt.timedelta(seconds=2))
    # then
    assert not later["ok"] and _late_names(later) == {"o2o_site.outbox_drain"}
    assert later["late"][0]["label"] == "Gửi lại tác vụ chờ trong hàng đợi"
    assert later["workers"] == ["w1@host"]


@pytest.mark.django_db
def test_the_sync_screen_says_when_background_work_is_late(client, make_user, settings):
    # given: a broker configured, and beat last seen 5 minutes ago
    from o2o_site.roles import Role

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    heartbeat_record(name="beat", interval_seconds=30, at=timezone.now() - dt.timedelta(minutes=5))
    client.force_login(make_user(Role.INVENTORY))
    # when
    page = client.get("/channels/sync/").content.decode()
    # then
    assert "Xử lý nền đang trễ" in page
    assert "Bộ lập lịch tác vụ định kỳ (beat)" in page and "quá hai lần chu kỳ 30 giây" in page


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_killed_beat_shows_in_health_within_two_intervals(celery_broker, make_user, client, tmp_path):
    from o2o_site.models import Heartbeat
    from o2o_site.roles import Role

    # given: a real worker with its embedded beat, heartbeats every second
    worker = start_worker(
        celery_broker.url, extra_env={"HEARTBEAT_SECONDS": "1"}, beat_schedule=str(tmp_path / "beat-schedule")
    )
    client.force_login(make_user(Role.MANAGER))
    try:
        deadline = time.monotonic() + 90
        while not (Heartbeat.objects.filter(name="beat").exists() and child_pids(worker.pid)):
            assert time.monotonic() < deadline, "beat never started"
            time.sleep(0.2)
        time.sleep(1.5)
        alive = client.get("/healthz").json()
        assert "beat" not in _late_names(alive["periodic"]) and "worker" not in _late_names(alive["periodic"])
        # when: beat (the worker's child process) is killed; the worker goes on
        for pid in child_pids(worker.pid):
            os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        while "beat" not in _late_names(client.get("/healthz").json()["periodic"]):
            assert time.monotonic() - killed < 10, "health never noticed"
            time.sleep(0.2)
        noticed = time.monotonic() - killed
        # then: within two intervals (2 s, plus the second a heartbeat may be late), the worker still fine
        body = client.get("/healthz").json()
        assert noticed <= 3.5
        assert body["status"] == "degraded" and "worker" not in _late_names(body["periodic"])
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
