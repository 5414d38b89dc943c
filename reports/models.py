"""Reports-owned data: per-customer scores (RFM, lead score) and segment message campaigns.

Segment storage (Segment, SegmentMembership) belongs to customers; reports owns the rules
that fill it (see segment_rules.py) and these tables, which customers never reads.
"""

from django.conf import settings
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
                violation_error_message=_("Điểm RFM (gần đây, tần suất, giá trị) tối đa là 5."),
            ),
        ]
        indexes = [models.Index(fields=["lead_score"], name="customerscore_lead")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.rfm}"

    @property
    def rfm(self) -> str:
        return f"{self.recency_score}{self.frequency_score}{self.monetary_score}"


class SegmentMessageCampaign(models.Model):
    """A message sent to a segment's current members, consent-checked, throttled, with progress.

    The row comes first; a task sends in batches (customers in id order after `cursor`), each
    message through customers' `message_send` with an idempotency key per (campaign, customer),
    so a crash or a retry never sends twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        RUNNING = "running", _("Đang gửi")
        DONE = "done", _("Hoàn tất")
        CANCELLED = "cancelled", _("Đã dừng")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        ZNS = "zns", _("Zalo ZNS")
        EMAIL = "email", _("Email")

    segment = models.ForeignKey(
        "customers.Segment", on_delete=models.PROTECT, related_name="+", verbose_name=_("phân khúc")
    )
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    body = models.TextField(_("nội dung"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("số khách trong phân khúc"), default=0)
    cursor = models.BigIntegerField(default=0)
    sent = models.PositiveIntegerField(_("đã xếp gửi"), default=0)
    skipped_no_consent = models.PositiveIntegerField(_("bỏ qua: chưa đồng ý"), default=0)
    failed = models.PositiveIntegerField(_("lỗi"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("chiến dịch tin nhắn theo phân khúc")
        verbose_name_plural = _("chiến dịch tin nhắn theo phân khúc")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.segment_id} {self.status}"

    @property
    def processed(self) -> int:
        return self.sent + self.skipped_no_consent + self.failed

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.processed * 100 // self.total)
