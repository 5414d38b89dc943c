"""Celery tasks of the customers app: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="customers.message_deliver",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def message_deliver_task(message_id: int) -> str:
    from .services import message_deliver

    return message_deliver(message_id=message_id)


@shared_task(name="customers.messages_retry_due")
def messages_retry_due_task() -> int:
    from .services import messages_retry_due

    return messages_retry_due()


@shared_task(name="customers.points_expire_due")
def points_expire_due_task() -> int:
    from .services import points_expire_due

    return points_expire_due()


@shared_task(name="customers.duplicates_scan")
def duplicates_scan_task() -> int:
    from .services import duplicates_scan

    return duplicates_scan()
