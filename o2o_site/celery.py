"""The Celery app. Tasks live in each app's tasks.py and are discovered automatically.

With no CELERY_BROKER_URL, settings turn on eager mode: tasks run in-process, so the first run
needs no broker. `make worker` runs a worker with beat against the configured broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o_site.settings")

app = Celery("o2o_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="o2o_site.ping")
def ping() -> str:
    """A task that does nothing but answer: used by the health and broker integration tests."""
    return "pong"


def register_periodic(name: str, task: str, schedule, **options) -> None:
    """Adds a beat entry. Apps call it from AppConfig.ready(), so settings.py stays app-agnostic.

    `schedule` is seconds (int/float), a timedelta, or a celery.schedules.crontab.
    """
    app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), name: {"task": task, "schedule": schedule, **options}}
