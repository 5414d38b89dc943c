"""Health of the services the site depends on, for `/healthz`."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # reported, not raised: the endpoint must answer
        return {"ok": False, "vendor": connection.vendor, "error": f"{exc.__class__.__name__}: {exc}"[:300]}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_broker() -> dict:
    if (
        settings.CELERY_TASK_ALWAYS_EAGER
        or not settings.CELERY_BROKER_URL
        or settings.CELERY_BROKER_URL.startswith("memory://")
    ):
        return {"ok": True, "mode": "eager"}
    from o2o_site.celery import app

    started = time.perf_counter()
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # reported, not raised
        return {"ok": False, "mode": "broker", "error": f"{exc.__class__.__name__}: {exc}"[:300]}
    return {"ok": True, "mode": "broker", "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_periodic() -> dict:
    """Beat, workers and periodic jobs: late when older than twice their interval. Not part
    of the up/down answer (a web node is fine without beat), but shown to staff."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return {"ok": True, "mode": "eager"}
    from .heartbeats import periodic_health

    try:
        return periodic_health()
    except Exception as exc:  # reported, not raised
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"[:300]}
