"""The collector's part of a customer's data export and erasure (customers' registry calls these)."""

from __future__ import annotations

from django.db import transaction

from .models import Identity, LeadSubmission, RawEvent


def customer_collect_export(customer) -> dict:
    return {
        "identities": [
            {"kind": kind, "value": value, "since": created.isoformat()}
            for kind, value, created in Identity.objects.filter(customer=customer)
            .order_by("pk")
            .values_list("kind", "value", "created_at")
        ],
        "lead_forms": [
            {"form": slug, "at": at.isoformat(), "store": store, "interest": interest, "marketing_consent": consent}
            for slug, at, store, interest, consent in LeadSubmission.objects.filter(customer=customer)
            .order_by("pk")
            .values_list("form__slug", "created_at", "store_code", "interest", "marketing_consent")
        ],
        "events": RawEvent.objects.filter(customer_id=customer.pk).count(),
    }


def customer_collect_erase(customer) -> None:
    """Erased: the raw events lose their payload (traits, URLs), the device ids are forgotten
    (new events from them stay anonymous), and form submissions lose the IP."""
    with transaction.atomic():
        RawEvent.objects.filter(customer_id=customer.pk).update(payload={})
        Identity.objects.filter(customer=customer).delete()
        LeadSubmission.objects.filter(customer=customer).update(ip=None, utm={}, click_id="")
