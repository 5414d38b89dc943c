"""Outward announcements only: when a customer's activity or purchase is saved, queue the
per-customer segment refresh after the transaction commits (ids, never instances)."""

from __future__ import annotations

from o2o_site.outbox import enqueue_ids_after_commit

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
    """Queues one refresh per transaction for all the customers it touched.

    An order writes a purchase and an activity (and a redemption another): one task for the
    set, not one per row, carried by one outbox row written in the transaction — so a broker
    down at commit loses no refresh (the outbox drain sends it later).
    """
    if not customer_id:
        return
    from .tasks import segments_refresh_customers

    enqueue_ids_after_commit(segments_refresh_customers, "reports.segments_refresh_customers", customer_id)


def activity_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw or instance.kind not in REFRESHING_KINDS:
        return
    _enqueue(instance.customer_id)


def purchase_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        return
    _enqueue(instance.customer_id)
