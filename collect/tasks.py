"""Celery tasks of the collector: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="collect.events_process",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def events_process_task(source_id: int | None = None) -> int:
    from . import conf
    from .services import events_process

    done = 0
    for _round in range(10):  # a 500 KB batch of tiny events can exceed one round
        processed = events_process(source_id=source_id).events
        done += processed
        if processed < conf.process_batch_size():
            break
    return done


@shared_task(name="collect.events_process_pending")
def events_process_pending_task() -> int:
    from .services import events_process_pending

    return events_process_pending()


@shared_task(name="collect.events_recheck", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def events_recheck_task(keys: list) -> int:
    from .services import events_recheck

    return events_recheck(keys=keys)


@shared_task(name="collect.lead_notify_store", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def lead_notify_store_task(submission_id: int) -> bool:
    from .services.lead_forms import lead_notify_store

    return lead_notify_store(submission_id=submission_id)
