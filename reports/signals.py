"""Outward announcements only: when a customer's activity or purchase is saved, queue the
per-customer segment refresh after the transaction commits (ids, never instances)."""

from __future__ import annotations

from django.db import transaction

# Activity kinds that can change a segment or a lead score (messages, consent, merges cannot).
REFRESHING_KINDS = {
    "order",
    "checkin",
    "redemption",
    "ticket",
    "web_visit",
    "ad_click",
    "product_view",
    "cart_add",
    "inquiry",
    "lead",
    "points",
}


def _enqueue(customer_id: int | None) -> None:
    if not customer_id:
        return
    from .tasks import segments_refresh_customers

    transaction.on_commit(lambda: segments_refresh_customers.delay([customer_id]))


def activity_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw or instance.kind not in REFRESHING_KINDS:
        return
    _enqueue(instance.customer_id)


def purchase_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        return
    _enqueue(instance.customer_id)
