"""Celery tasks of the channels app: thin wrappers over services, safe to run twice.

The rows are the truth (listing sync state, stored inbound events); a task lost to a broker
outage is made good by the periodic `channels.sync_due` / `channels.inbound_due` tasks.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone


@shared_task(name="channels.push_listings", acks_late=True)
def push_listings(channel_id: int) -> dict:
    from . import services

    report = services.listings_push_channel(channel_id=channel_id)
    return {"channel": report.channel, "pushed": report.pushed, "failed": report.failed}


@shared_task(name="channels.sync_due")
def sync_due() -> int:
    """Re-sends every channel's pending listings that are due (periodic)."""
    from . import services

    channel_ids = services.sync_due_channels()
    for channel_id in channel_ids:
        services.listings_push_channel(channel_id=channel_id)
    return len(channel_ids)


@shared_task(name="channels.process_inbound_event", acks_late=True)
def process_inbound_event(event_id: int) -> str:
    from . import services

    return services.inbound_event_process(event_id=event_id).status


@shared_task(name="channels.inbound_due")
def inbound_due() -> int:
    """Imports stored webhook events still waiting (broker outage, earlier failure)."""
    from . import services
    from .models import InboundEvent

    cutoff = timezone.now() - dt.timedelta(seconds=30)
    ids = list(
        InboundEvent.objects.filter(status=InboundEvent.Status.RECEIVED, received_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        services.inbound_event_process(event_id=pk)
    return len(ids)


@shared_task(name="channels.pickups_release_due")
def pickups_release_due() -> int:
    """Ready pickups not collected within the hold days go back to stock (periodic)."""
    from . import services

    return services.pickups_release_uncollected()


@shared_task(name="channels.orders_backfill_due")
def orders_backfill_due() -> dict:
    """Pulls what webhooks missed, per marketplace, from each one's watermark (periodic)."""
    from . import services

    return {r.channel: {"seen": r.seen, "created": r.created, "error": r.error} for r in services.orders_backfill_due()}
