"""Support's Celery tasks: thin, idempotent wrappers over services."""

from celery import shared_task

from . import services


@shared_task(name="support.tickets_escalate_overdue", autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def tickets_escalate_overdue() -> int:
    return services.tickets_escalate_overdue()
