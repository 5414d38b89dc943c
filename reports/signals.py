"""Outward announcements only: when a customer's activity or purchase is saved, queue the
per-customer segment refresh after the transaction commits (ids, never instances)."""

from __future__ import annotations

import threading

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


_local = threading.local()


def _enqueue(customer_id: int | None) -> None:
    """Queues one refresh per transaction for all the customers it touched.

    An order writes a purchase and an activity (and a redemption another): one task for the
    set, not one per row. The pending set lives as long as its flush callback is still in the
    connection's on-commit list; a rollback removes the callback, so a stale set is never reused.
    """
    if not customer_id:
        return
    from .tasks import segments_refresh_customers

    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        segments_refresh_customers.delay([customer_id])
        return
    pending = getattr(_local, "pending", None)
    if (
        pending is not None
        and not pending["done"]
        and any(entry[1] is pending["flush"] for entry in connection.run_on_commit)
    ):
        pending["ids"].add(customer_id)
        return
    ids = {customer_id}
    state = {"ids": ids, "done": False}

    def flush() -> None:
        state["done"] = True
        segments_refresh_customers.delay(sorted(ids))

    state["flush"] = flush
    _local.pending = state
    transaction.on_commit(flush)


def activity_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw or instance.kind not in REFRESHING_KINDS:
        return
    _enqueue(instance.customer_id)


def purchase_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        return
    _enqueue(instance.customer_id)
