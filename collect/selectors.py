"""Reads of the collector, shaped for its screens and for processing."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from promotions.models import Campaign

from .models import IdentityConflict, LeadForm, RawEvent, Source


def campaign_ids_by_utm(codes: Iterable[str]) -> dict[str, int]:
    """utm_campaign → Campaign id, for the codes that name a campaign (one query)."""
    return dict(Campaign.objects.filter(utm_campaign__in=set(codes)).values_list("utm_campaign", "pk"))


def source_list() -> QuerySet[Source]:
    """Sources with their event counts by state (one query)."""
    return Source.objects.annotate(
        events_total=Count("events"),
        events_waiting=Count("events", filter=Q(events__state=RawEvent.State.WAITING)),
        events_pending=Count("events", filter=Q(events__state=RawEvent.State.PENDING)),
    ).order_by("revoked_at", "name")


def source_get(source_id: int) -> Source | None:
    return Source.objects.filter(pk=source_id).first()


def conflicts_recent(limit: int = 20) -> list[IdentityConflict]:
    return list(
        IdentityConflict.objects.select_related("identity", "identity__customer", "other_customer").order_by(
            "-created_at"
        )[:limit]
    )


def lead_form_get_active(slug: str) -> LeadForm | None:
    return LeadForm.objects.select_related("campaign").filter(slug=slug, is_active=True).first()


def stores_for_lead_form() -> list:
    """The stores a visitor may pick on a lead form (open, not warehouses), by name."""
    from channels.models import Store

    return list(Store.objects.filter(is_active=True, is_warehouse=False).order_by("name"))
