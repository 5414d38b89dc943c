"""Celery tasks of reports: thin, idempotent wrappers around services (ids in, never instances)."""

from __future__ import annotations

from celery import shared_task

from . import conf, services


@shared_task(name="reports.segments_recompute", autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def segments_recompute() -> dict:
    """Nightly full recompute (Celery beat)."""
    return {code: list(counts) for code, counts in services.segments_recompute().items()}


@shared_task(name="reports.segments_refresh_customers", autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def segments_refresh_customers(customer_ids: list[int]) -> dict:
    """Per-customer refresh after an order, a redemption or an activity (within seconds)."""
    return {
        code: list(counts) for code, counts in services.segments_refresh_customers(customer_ids=customer_ids).items()
    }


@shared_task(name="reports.segment_message_campaign_batch", autoretry_for=(Exception,), retry_backoff=30, max_retries=5)
def segment_message_campaign_batch(campaign_id: int) -> int:
    """Sends one batch, then schedules the next one so the rate stays under the gateway limit."""
    campaign, more = services.segment_message_campaign_run_batch(campaign_id=campaign_id)
    if more and segment_message_campaign_batch.app.conf.task_always_eager:
        # No broker (first run, tests): send the rest here, in a loop rather than by recursion.
        while more:
            campaign, more = services.segment_message_campaign_run_batch(campaign_id=campaign_id)
    elif more:
        delay = max(1, int(60 * conf.message_batch_size() / max(1, conf.message_rate_per_minute())))
        segment_message_campaign_batch.apply_async(args=[campaign_id], countdown=delay)
    return campaign.processed if campaign else 0
