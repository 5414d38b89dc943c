"""Personal-data hooks registered with customers: a customer's export includes their scores;
erasing a customer removes them (scores are derived data, nothing financial to keep)."""

from __future__ import annotations

from .models import CustomerScore


def customer_scores_export(customer) -> dict:
    score = CustomerScore.objects.filter(customer_id=customer.pk).first()
    if score is None:
        return {}
    return {
        "recency_score": score.recency_score,
        "frequency_score": score.frequency_score,
        "monetary_score": score.monetary_score,
        "lead_score": score.lead_score,
        "computed_at": score.computed_at.isoformat(),
    }


def customer_scores_erase(customer) -> None:
    CustomerScore.objects.filter(customer_id=customer.pk).delete()
