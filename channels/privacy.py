"""What channels holds about a customer, for the customers app's export and erase requests."""

from __future__ import annotations

from django.db import transaction


def export_customer(customer) -> dict:
    from .models import CheckIn, Order

    orders = (
        Order.objects.filter(customer=customer)
        .select_related("channel", "store")
        .prefetch_related("lines")
        .order_by("placed_at")
    )
    return {
        "orders": [
            {
                "number": o.number,
                "channel": o.channel.code,
                "external_id": o.external_id,
                "store": o.store.code if o.store_id else "",
                "status": o.status,
                "total": o.total,
                "placed_at": o.placed_at.isoformat(),
                "buyer": o.buyer,
                "lines": [
                    {"sku": ln.sku_code, "quantity": ln.quantity, "unit_price": ln.unit_price} for ln in o.lines.all()
                ],
            }
            for o in orders
        ],
        "checkins": [
            {"store": c.store.code, "method": c.method, "occurred_at": c.occurred_at.isoformat(), "utm": c.utm}
            for c in CheckIn.objects.filter(customer=customer).select_related("store").order_by("occurred_at")
        ],
    }


def erase_customer(customer) -> None:
    """Orders stay (accounting) but lose the buyer's personal details; check-ins are deleted."""
    from .models import CheckIn, Order

    with transaction.atomic():
        Order.objects.filter(customer=customer).update(buyer={})
        CheckIn.objects.filter(customer=customer).delete()
