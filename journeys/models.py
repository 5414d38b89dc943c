"""Nurture journeys: who enters, the steps they walk, and the at-most-once step runs.

A journey's steps are data (a versioned JSON graph, validated by `journeys.steps`): editing a
live journey publishes a new version and customers already inside finish on the version they
entered. Each (enrollment, step visit) is one `DueStep` row; a worker claims a due row under
`SELECT … FOR UPDATE SKIP LOCKED`, performs it and marks it done in the same transaction, so a
step runs at most once even with retries, a killed worker or two workers at once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Journey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        LIVE = "live", _("Đang chạy")
        PAUSED = "paused", _("Tạm dừng")
        ARCHIVED = "archived", _("Đã kết thúc")

    class Entry(models.TextChoices):
        SEGMENT = "segment", _("Vào phân khúc")
        EVENT = "event", _("Khi có sự kiện")
        MANUAL = "manual", _("Danh sách chọn tay")

    class Goal(models.TextChoices):
        NONE = "none", _("Không có mục tiêu")
        VISIT = "visit", _("Ghé cửa hàng")
        PURCHASE = "purchase", _("Mua hàng")
        ORDER_ABOVE = "order_above", _("Đơn hàng từ số tiền")

    name = models.CharField(_("tên"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True, max_length=2000)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    priority = models.PositiveSmallIntegerField(
        _("độ ưu tiên"),
        default=50,
        help_text=_("Số lớn hơn ưu tiên hơn: vào hành trình ưu tiên hơn sẽ rời hành trình này."),
    )
    entry_kind = models.CharField(_("cách vào"), max_length=10, choices=Entry.choices, default=Entry.SEGMENT)
    entry_segment = models.ForeignKey(
        "customers.Segment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("phân khúc vào"),
    )
    entry_event = models.CharField(_("sự kiện vào"), max_length=20, blank=True)
    goal_kind = models.CharField(_("mục tiêu"), max_length=12, choices=Goal.choices, default=Goal.NONE)
    goal_amount = models.PositiveBigIntegerField(_("số tiền mục tiêu"), default=0)
    allow_reentry = models.BooleanField(_("cho vào lại"), default=False)
    reentry_cooldown_days = models.PositiveSmallIntegerField(_("vào lại sau (ngày)"), default=30)
    holdout_percent = models.PositiveSmallIntegerField(_("nhóm đối chứng (%)"), default=0)
    steps = models.JSONField(_("các bước (bản nháp)"), default=list, blank=True)
    current_version = models.ForeignKey(
        "JourneyVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("phiên bản"),
    )
    # The last timeline row an event-entry journey has looked at (entry by event is a scan
    # forward from here, so no event is counted twice and none is missed).
    entry_watermark = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)

    class Meta:
        verbose_name = _("hành trình")
        verbose_name_plural = _("hành trình")
        ordering = ["-priority", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(holdout_percent__lte=50),
                name="journey_holdout_lte_50",
                violation_error_message=_("Nhóm đối chứng tối đa 50%."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class JourneyVersion(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("số phiên bản"))
    steps = models.JSONField(_("các bước"), default=list)
    published_at = models.DateTimeField(_("xuất bản lúc"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("phiên bản hành trình")
        verbose_name_plural = _("phiên bản hành trình")
        constraints = [models.UniqueConstraint(fields=["journey", "number"], name="journeyversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.journey} v{self.number}"


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang trong hành trình")
        HOLDOUT = "holdout", _("Nhóm đối chứng")
        CONVERTED = "converted", _("Đạt mục tiêu")
        EXITED = "exited", _("Đã rời")
        FINISHED = "finished", _("Đã đi hết")

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="enrollments")
    version = models.ForeignKey(JourneyVersion, on_delete=models.PROTECT, related_name="enrollments")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    entered_at = models.DateTimeField(_("vào lúc"))
    ended_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    exit_reason = models.CharField(_("lý do rời"), max_length=30, blank=True)
    is_holdout = models.BooleanField(_("nhóm đối chứng"), default=False)
    converted_at = models.DateTimeField(_("đạt mục tiêu lúc"), null=True, blank=True)
    # Start of the current branch window: the last send (or the entry).
    last_send_at = models.DateTimeField(null=True, blank=True)
    next_seq = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("khách trong hành trình")
        verbose_name_plural = _("khách trong hành trình")
        constraints = [
            # One customer is inside one journey once at a time (a holdout counts as inside).
            models.UniqueConstraint(
                fields=["journey", "customer"],
                condition=Q(status__in=["active", "holdout"]),
                name="enrollment_one_open_per_journey",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="enrollment_customer_idx"),
            models.Index(fields=["journey", "status"], name="enrollment_journey_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.journey} · {self.customer_id} ({self.status})"


class DueStep(models.Model):
    """One visit of one step by one enrollment: pending until it is due and done once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ đến lượt")
        DONE = "done", _("Đã chạy")
        CANCELLED = "cancelled", _("Đã huỷ")

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="due_steps")
    seq = models.PositiveIntegerField()
    step_key = models.CharField(max_length=40)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField(_("kết quả"), max_length=30, blank=True)
    detail = models.CharField(_("chi tiết"), max_length=300, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bước đến hạn")
        verbose_name_plural = _("bước đến hạn")
        constraints = [models.UniqueConstraint(fields=["enrollment", "seq"], name="duestep_unique_seq")]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="duestep_pending_due_idx"),
            models.Index(fields=["enrollment", "step_key"], name="duestep_enrollment_step_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}#{self.seq} {self.step_key} ({self.status})"
