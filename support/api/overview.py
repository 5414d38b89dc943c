"""The hotline customer overview as JSON (for softphones and CRMs). Reads only preloaded data."""

from __future__ import annotations

from ..selectors import CustomerOverview


def _iso(value):
    return value.isoformat() if value else None


def _contact(cp) -> dict:
    if isinstance(cp, dict):
        return cp
    return {
        "kind": getattr(cp, "kind", ""),
        "value": getattr(cp, "value", ""),
        "is_primary": getattr(cp, "is_primary", False),
    }


def _consent(c) -> dict:
    if isinstance(c, dict):
        return c
    return {
        "channel": getattr(c, "channel", ""),
        "purpose": getattr(c, "purpose", ""),
        "granted": getattr(c, "granted", False),
    }


def _segment(seg) -> dict:
    if isinstance(seg, dict):
        return seg
    seg = getattr(seg, "segment", seg)
    return {"code": getattr(seg, "code", ""), "name": str(getattr(seg, "name", seg))}


def _order(o) -> dict:
    return {
        "id": o.pk,
        "number": o.number,
        "external_id": o.external_id,
        "channel": o.channel.code if o.channel_id else None,
        "channel_kind": o.channel.kind if o.channel_id else None,
        "store": o.store.code if getattr(o, "store_id", None) else None,
        "status": o.status,
        "total": o.total,
        "placed_at": _iso(o.placed_at),
    }


def _ticket(t) -> dict:
    return {
        "id": t.pk,
        "number": t.number,
        "subject": t.subject,
        "status": t.status,
        "priority": t.priority,
        "category": t.category.name,
        "department": t.department.name,
        "assignee": t.assignee.username if t.assignee_id else None,
        "due_at": _iso(t.due_at),
        "is_overdue": t.is_overdue,
        "created_at": _iso(t.created_at),
    }


def _voucher(v) -> dict:
    return {
        "code": v.code,
        "discount_type": getattr(v, "discount_type", ""),
        "discount_value": getattr(v, "discount_value", None),
        "valid_to": _iso(getattr(v, "valid_to", None)),
        "store_only": getattr(v, "store_only", True),
        "stores": [s.code for s in v.stores.all()],
    }


def _activity(a) -> dict:
    return {
        "id": a.pk,
        "kind": a.kind,
        "channel": a.channel,
        "store_code": a.store_code,
        "summary": a.summary,
        "amount": a.amount,
        "occurred_at": _iso(a.occurred_at),
        "ref_type": a.ref_type,
        "ref_id": a.ref_id,
    }


def overview_payload(ov: CustomerOverview) -> dict:
    c = ov.customer
    paging = {"page": ov.timeline_page, "has_next": ov.timeline_has_next, "count": ov.timeline_count}
    items = ov.timeline_items
    return {
        "profile": {
            "id": c.pk,
            "full_name": c.full_name,
            "lifecycle": getattr(c, "lifecycle", ""),
            "city": getattr(c, "city", ""),
            "preferred_store": getattr(c, "preferred_store_code", ""),
            "order_count": getattr(c, "order_count", 0),
            "lifetime_value": getattr(c, "lifetime_value", 0),
            "points_balance": ov.points,
            "contact_points": [_contact(cp) for cp in ov.contact_points],
            "consents": [_consent(x) for x in ov.consents],
            "segments": [_segment(x) for x in ov.segments],
            "orders_by_channel": list(ov.orders_by_channel),
        },
        "open_tickets": [_ticket(t) for t in ov.open_ticket_rows],
        "recent_tickets": [_ticket(t) for t in ov.closed_ticket_rows],
        "recent_orders": [_order(o) for o in ov.recent_orders],
        "usable_vouchers": [_voucher(v) for v in ov.vouchers],
        "timeline": {"results": [_activity(a) for a in items], **paging},
    }
