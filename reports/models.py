"""Reports-owned data: per-customer scores (RFM, lead score) and segment message campaigns.

Segment storage (Segment, SegmentMembership) belongs to customers; reports owns the rules
that fill it (see segment_rules.py) and these tables, which customers never reads.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerScore(models.Model):
    """One row per customer: RFM scores (1–5; 0 = never bought) and the prospect lead score.

    Written only by the set-based recompute in services (one UPDATE/INSERT … SELECT).
    """

    customer = models.OneToOneField(
        "customers.Customer", primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("khách hàng")
    )
    recency_score = models.PositiveSmallIntegerField(_("R"), default=0)
    frequency_score = models.PositiveSmallIntegerField(_("F"), default=0)
    monetary_score = models.PositiveSmallIntegerField(_("M"), default=0)
    lead_score = models.PositiveIntegerField(_("điểm tiềm năng"), default=0)
    computed_at = models.DateTimeField(_("tính lúc"))

    class Meta:
        verbose_name = _("điểm khách hàng")
        verbose_name_plural = _("điểm khách hàng")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recency_score__lte=5, frequency_score__lte=5, monetary_score__lte=5),
                name="customerscore_rfm_lte_5",
            ),
        ]
        indexes = [models.Index(fields=["lead_score"], name="customerscore_lead")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.rfm}"

    @property
    def rfm(self) -> str:
        return f"{self.recency_score}{self.frequency_score}{self.monetary_score}"
