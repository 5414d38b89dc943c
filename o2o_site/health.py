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


# What `/healthz` runs: name → function returning {"ok": bool, ...details}. CHECKS decide up or
# down (503); DEGRADING_CHECKS (late background work) only make the staff answer "degraded".
# Other apps add theirs with `register_check` in AppConfig.ready().
CHECKS: dict = {"database": check_database, "broker": check_broker}
DEGRADING_CHECKS: dict = {"periodic": check_periodic}


def register_check(name: str, check, *, degrading: bool = False) -> None:
    (DEGRADING_CHECKS if degrading else CHECKS)[name] = check


def _run(check) -> dict:
    try:
        return check()
    except Exception as exc:  # reported, not raised: the endpoint must answer
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"[:300]}


def run_checks() -> tuple[str, dict]:
    """("ok" | "degraded" | "unavailable", {name: result}); a check that raises counts as failed
    and never stops the others. Degrading checks are skipped when the node is down anyway."""
    results = {name: _run(check) for name, check in CHECKS.items()}
    if not all(result.get("ok") for result in results.values()):
        results.update({name: {"ok": False, "skipped": True} for name in DEGRADING_CHECKS})
        return "unavailable", results
    results.update({name: _run(check) for name, check in DEGRADING_CHECKS.items()})
    degraded = not all(results[name].get("ok") for name in DEGRADING_CHECKS)
    return ("degraded" if degraded else "ok"), results
