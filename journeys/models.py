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
                violation_error_message=_("Nhóm đối chứng tối đa 50%%."),
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
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "number"],
                name="journeyversion_unique_number",
                violation_error_message=_("Hành trình này đã có phiên bản với số này."),
            )
        ]

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
                violation_error_message=_("Khách đang ở trong hành trình này rồi."),
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
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "seq"],
                name="duestep_unique_seq",
                violation_error_message=_("Bước này của lượt tham gia đã được lên lịch."),
            )
        ]
        indexes = [
            # The tick's claim reads pending rows in (due_at, id) order: an index in exactly that
            # order lets LIMIT stop early instead of sorting every pending row (120 ms at 100k).
            models.Index(fields=["due_at", "id"], condition=Q(status="pending"), name="duestep_pending_due_idx"),
            models.Index(fields=["enrollment", "step_key"], name="duestep_enrollment_step_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}#{self.seq} {self.step_key} ({self.status})"


class Lead(models.Model):
    """A prospect handed to a store's consultant, ranked by lead score and age.

    Comes from a journey's "assign" step, a lead form or by hand; the consultant records the
    outcome of each contact; a store visit or a purchase after it closes the lead as converted.
    """

    class Status(models.TextChoices):
        NEW = "new", _("Chưa giao")
        ASSIGNED = "assigned", _("Chờ liên hệ")
        CONTACTED = "contacted", _("Đã liên hệ")
        APPOINTMENT = "appointment", _("Đã hẹn ghé cửa hàng")
        CONVERTED = "converted", _("Đã ghé/mua")
        LOST = "lost", _("Không quan tâm")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Đã nói chuyện")
        NO_ANSWER = "no_answer", _("Không nghe máy")
        APPOINTMENT = "appointment", _("Hẹn ghé cửa hàng")
        NOT_INTERESTED = "not_interested", _("Không quan tâm")
        WRONG_NUMBER = "wrong_number", _("Sai số")

    OPEN = ("new", "assigned", "contacted", "appointment")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(
        "channels.Store", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("cửa hàng")
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("tư vấn viên"),
    )
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.NEW)
    score = models.IntegerField(_("điểm tiềm năng"), default=0)
    interest = models.CharField(_("quan tâm"), max_length=200, blank=True)
    source = models.CharField(_("nguồn"), max_length=50, blank=True)
    journey = models.ForeignKey(Journey, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    campaign_id = models.BigIntegerField(_("chiến dịch"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    assigned_at = models.DateTimeField(_("giao lúc"), null=True, blank=True)
    contact_due_at = models.DateTimeField(_("hạn liên hệ"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("liên hệ đầu tiên"), null=True, blank=True)
    reassign_count = models.PositiveSmallIntegerField(_("số lần giao lại"), default=0)
    last_outcome = models.CharField(_("kết quả gần nhất"), max_length=20, choices=Outcome.choices, blank=True)
    appointment_at = models.DateTimeField(_("hẹn lúc"), null=True, blank=True)
    follow_up_at = models.DateTimeField(_("nhắc gọi lại lúc"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True, max_length=2000)
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("khách tiềm năng")
        verbose_name_plural = _("khách tiềm năng")
        constraints = [
            # One open lead per customer: a second interest updates it instead of a duplicate call.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=["new", "assigned", "contacted", "appointment"]),
                name="lead_one_open_per_customer",
                violation_error_message=_("Khách này đã có một khách tiềm năng đang mở."),
            ),
        ]
        indexes = [
            models.Index(fields=["consultant", "status", "-score"], name="lead_queue_idx"),
            models.Index(fields=["store", "status", "-score"], name="lead_store_queue_idx"),
            models.Index(fields=["contact_due_at"], condition=Q(status="assigned"), name="lead_sla_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} ({self.get_status_display()})"


class LeadEvent(models.Model):
    """What happened to a lead, append-only: assigned, reassigned, each contact's outcome."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("loại"), max_length=20)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(_("chi tiết"), max_length=300, blank=True)
    at = models.DateTimeField(_("lúc"))

    LABELS = {
        "assigned": _("Giao cho tư vấn viên"),
        "reassigned": _("Giao lại"),
        "taken": _("Tư vấn viên nhận"),
        "sla_breach": _("Quá hạn liên hệ lần đầu"),
    }

    class Meta:
        verbose_name = _("diễn biến khách tiềm năng")
        verbose_name_plural = _("diễn biến khách tiềm năng")
        indexes = [models.Index(fields=["lead", "at"], name="leadevent_lead_idx")]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        return self.LABELS.get(self.kind) or dict(Lead.Outcome.choices).get(self.kind, self.kind)


class LeadScript(models.Model):
    """A suggested script for the consultant, per interest or segment (admin-editable)."""

    title = models.CharField(_("tiêu đề"), max_length=200)
    interest = models.CharField(
        _("khi quan tâm chứa"), max_length=100, blank=True, help_text=_("Để trống: kịch bản chung.")
    )
    segment = models.ForeignKey(
        "customers.Segment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("phân khúc"),
    )
    body = models.TextField(_("kịch bản"), max_length=4000)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("kịch bản tư vấn")
        verbose_name_plural = _("kịch bản tư vấn")

    def __str__(self) -> str:
        return self.title
