"""Celery tasks of the site itself: the outbox drain."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="o2o_site.outbox_drain")
def outbox_drain() -> int:
    """Sends the tasks whose after-commit send failed (the broker was down then)."""
    from .outbox import outbox_drain as drain

    return drain()
