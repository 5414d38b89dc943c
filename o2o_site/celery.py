"""The Celery app. Tasks live in each app's tasks.py and are discovered automatically.

With no CELERY_BROKER_URL, settings turn on eager mode: tasks run in-process, so the first run
needs no broker. `make worker` runs a worker with beat against the configured broker.
"""

import os
import threading
import time

from celery import Celery, signals
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o_site.settings")

app = Celery("o2o_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Beat writes its heartbeat from its own loop (o2o_site.heartbeats).
app.conf.beat_scheduler = "o2o_site.celery:HeartbeatScheduler"


class HeartbeatScheduler(PersistentScheduler):
    """Celery's default scheduler, writing the `beat` heartbeat at most every HEARTBEAT_SECONDS
    and waking up at least that often to do it."""

    _last_beat = 0.0

    def tick(self, *args, **kwargs):
        from .heartbeats import heartbeat_record, heartbeat_seconds

        every = heartbeat_seconds()
        if time.monotonic() - self._last_beat >= every:
            heartbeat_record(name="beat", interval_seconds=every)
            self._last_beat = time.monotonic()
        return min(super().tick(*args, **kwargs), every)


@signals.worker_ready.connect
def _worker_heartbeats(sender=None, **kwargs) -> None:
    """Each worker writes `worker:<hostname>` every HEARTBEAT_SECONDS from a daemon thread."""
    from .heartbeats import heartbeat_record, heartbeat_seconds

    hostname = getattr(sender, "hostname", None) or f"pid-{os.getpid()}"

    def loop() -> None:
        from django.db import connection

        while True:
            heartbeat_record(name=f"worker:{hostname}", interval_seconds=heartbeat_seconds())
            connection.close()  # a timer thread holds no connection between beats
            time.sleep(heartbeat_seconds())

    threading.Thread(target=loop, name="o2o-heartbeat", daemon=True).start()


@signals.task_postrun.connect
def _periodic_ran(sender=None, **kwargs) -> None:
    """A periodic task that finished (whoever queued it) writes its `task:<name>` heartbeat."""
    from .heartbeats import heartbeat_record, periodic_intervals

    name = getattr(sender, "name", "")
    interval = periodic_intervals().get(name)
    if interval:
        heartbeat_record(name=f"task:{name}", interval_seconds=interval)


@app.task(name="o2o_site.ping")
def ping() -> str:
    """A task that does nothing but answer: used by the health and broker integration tests."""
    return "pong"


def register_periodic(name: str, task: str, schedule, **options) -> None:
    """Adds a beat entry. Apps call it from AppConfig.ready(), so settings.py stays app-agnostic.

    `schedule` is seconds (int/float), a timedelta, or a celery.schedules.crontab.
    """
    app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), name: {"task": task, "schedule": schedule, **options}}
