"""Support's part of a customer's data export and erasure (plugged into customers' registry).

Erasure keeps the case record (a business record) but removes what identifies or quotes the
person: free-text descriptions, notes and the caller number.
"""

from __future__ import annotations

from .models import CallLog, Ticket, TicketEvent


def export_tickets(customer) -> list[dict]:
    rows = Ticket.objects.filter(customer=customer).select_related("category", "department").order_by("created_at")
    return [
        {
            "number": t.number,
            "subject": t.subject,
            "description": t.description,
            "channel": t.channel,
            "category": t.category.name,
            "department": t.department.name,
            "status": t.status,
            "created_at": t.created_at.isoformat(),
            "resolved_at": t.resolved_at.isoformat() if t.resolved_at else None,
            "satisfaction": t.satisfaction,
        }
        for t in rows
    ]


def export_calls(customer) -> list[dict]:
    return [
        {
            "direction": c.direction,
            "caller": c.caller,
            "started_at": c.started_at.isoformat(),
            "status": c.status,
            "outcome": c.outcome,
            "notes": c.notes,
        }
        for c in CallLog.objects.filter(customer=customer).order_by("started_at")
    ]


def erase(customer) -> None:
    tickets = Ticket.objects.filter(customer=customer)
    tickets.update(description="", order_ref="")
    # History rows are append-only for staff; erasure under the data law is the one exception,
    # done as a bulk UPDATE that blanks the text while keeping the event (who, when, what kind).
    TicketEvent.objects.filter(ticket__in=tickets).update(body="", data={})
    CallLog.objects.filter(customer=customer).update(caller="", phone="", notes="")
