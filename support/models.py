"""Support: departments, ticket categories, tickets with their append-only history, call logs.

A ticket's status moves only along `Ticket.TRANSITIONS` (enforced by support.services with a
conditional UPDATE); every change leaves a `TicketEvent` row that is never edited afterwards.
Orders are referenced softly (`order_ref`/`order_id`): a ticket must outlive an order archive and
the support app must not pin the channels app's migrations.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A team that owns a kind of case (Sales, Warranty, Delivery, Complaints)."""

    code = models.SlugField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=120)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_departments",
        verbose_name=_("trưởng bộ phận"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="support_departments", verbose_name=_("thành viên")
    )
    response_minutes = models.PositiveIntegerField(_("thời hạn phản hồi (phút)"), default=60)
    resolution_minutes = models.PositiveIntegerField(_("thời hạn xử lý (phút)"), default=24 * 60)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("bộ phận")
        verbose_name_plural = _("bộ phận")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gt=0),
                name="department_resolution_gt_0",
                violation_error_message=_("Thời hạn xử lý của bộ phận phải lớn hơn 0 phút."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A kind of case; it picks the department and the due time of the tickets filed under it."""

    code = models.SlugField(_("mã"), max_length=48, unique=True)
    name = models.CharField(_("tên"), max_length=120)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="categories", verbose_name=_("bộ phận")
    )
    # Empty: the department's default applies.
    resolution_minutes = models.PositiveIntegerField(_("thời hạn xử lý (phút)"), null=True, blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("loại yêu cầu")
        verbose_name_plural = _("loại yêu cầu")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_resolution_minutes(self) -> int:
        return self.resolution_minutes or self.department.resolution_minutes


class AgentProfile(models.Model):
    """A call-center agent's extension, so the CTI can name the agent by extension."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_profile", verbose_name=_("nhân viên")
    )
    extension = models.CharField(_("số máy lẻ"), max_length=16, unique=True)

    class Meta:
        verbose_name = _("máy lẻ tổng đài viên")
        verbose_name_plural = _("máy lẻ tổng đài viên")

    def __str__(self) -> str:
        return f"{self.extension} · {self.user}"


class Ticket(models.Model):
    class Channel(models.TextChoices):
        HOTLINE = "hotline", _("Tổng đài")
        ZALO = "zalo", "Zalo"
        FACEBOOK = "facebook", "Facebook"
        EMAIL = "email", _("Email")
        STORE = "store", _("Cửa hàng")
        MARKETPLACE_CHAT = "marketplace_chat", _("Chat sàn TMĐT")

    class Priority(models.TextChoices):
        LOW = "low", _("Thấp")
        NORMAL = "normal", _("Bình thường")
        HIGH = "high", _("Cao")
        URGENT = "urgent", _("Khẩn cấp")

    class Status(models.TextChoices):
        NEW = "new", _("Mới")
        OPEN = "open", _("Đang xử lý")
        WAITING = "waiting", _("Chờ khách hàng")
        RESOLVED = "resolved", _("Đã giải quyết")
        CONFIRMED = "confirmed", _("Khách đã xác nhận")
        CLOSED = "closed", _("Đã đóng")
        REOPENED = "reopened", _("Mở lại")

    # The life cycle: from → the statuses it may move to.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.NEW: frozenset({Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED}),
        Status.OPEN: frozenset({Status.WAITING, Status.RESOLVED, Status.CLOSED}),
        Status.WAITING: frozenset({Status.OPEN, Status.RESOLVED, Status.CLOSED}),
        Status.RESOLVED: frozenset({Status.CONFIRMED, Status.REOPENED, Status.CLOSED}),
        Status.CONFIRMED: frozenset({Status.CLOSED, Status.REOPENED}),
        Status.CLOSED: frozenset({Status.REOPENED}),
        Status.REOPENED: frozenset({Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED}),
    }
    OPEN_STATUSES = frozenset({Status.NEW, Status.OPEN, Status.WAITING, Status.REOPENED})

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("khách hàng")
    )
    channel = models.CharField(_("kênh tiếp nhận"), max_length=20, choices=Channel.choices, default=Channel.HOTLINE)
    subject = models.CharField(_("tiêu đề"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    # Soft reference to channels' Order: our number or a marketplace's id, and its pk when known.
    order_ref = models.CharField(_("đơn hàng liên quan"), max_length=64, blank=True)
    order_id = models.PositiveBigIntegerField(_("mã nội bộ đơn hàng"), null=True, blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("loại yêu cầu")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("bộ phận")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("người xử lý"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_tickets",
        verbose_name=_("người tạo"),
    )
    priority = models.CharField(_("mức ưu tiên"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    due_at = models.DateTimeField(_("hạn xử lý"))
    first_response_at = models.DateTimeField(_("phản hồi đầu tiên lúc"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("giải quyết lúc"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("khách xác nhận lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("chuyển cấp lúc"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("mức hài lòng (1–5)"), null=True, blank=True)
    # The after-care voucher, once issued (its code), so a second confirmation never issues another.
    care_voucher_code = models.CharField(_("mã voucher chăm sóc"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("yêu cầu hỗ trợ")
        verbose_name_plural = _("yêu cầu hỗ trợ")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "status"], name="ticket_customer_status"),
            models.Index(fields=["department", "status", "due_at"], name="ticket_dept_queue"),
            models.Index(fields=["assignee", "status", "due_at"], name="ticket_assignee_queue"),
            models.Index(fields=["status", "due_at"], name="ticket_overdue_scan"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True) | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="ticket_satisfaction_1_5",
                violation_error_message=_("Mức hài lòng phải từ 1 đến 5 sao."),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def number(self) -> str:
        """The short human number agents read out on the phone (the primary key)."""
        return str(self.pk) if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, frozenset())


class TicketEvent(models.Model):
    """One line of a ticket's history. Append-only: rows are inserted, never updated or deleted."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Tạo yêu cầu")
        REPLY = "reply", _("Trả lời khách")
        NOTE = "note", _("Ghi chú nội bộ")
        STATUS = "status", _("Đổi trạng thái")
        ASSIGNMENT = "assignment", _("Phân công")
        MESSAGE = "message", _("Tin nhắn gửi khách")
        CALL = "call", _("Cuộc gọi")
        ESCALATION = "escalation", _("Chuyển cấp")
        CONFIRMATION = "confirmation", _("Khách xác nhận")
        CARE = "care", _("Chăm sóc sau bán")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("yêu cầu"))
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("người thực hiện")
    )
    body = models.TextField(_("nội dung"), blank=True)
    from_status = models.CharField(_("từ trạng thái"), max_length=12, blank=True)
    to_status = models.CharField(_("sang trạng thái"), max_length=12, blank=True)
    data = models.JSONField(_("dữ liệu"), default=dict, blank=True)
    created_at = models.DateTimeField(_("lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("lịch sử yêu cầu")
        verbose_name_plural = _("lịch sử yêu cầu")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketevent_ticket_time")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        # The history is evidence (who told the customer what, when): it is never rewritten.
        if not self._state.adding:
            raise ValueError("TicketEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("TicketEvent is append-only")


class CallLog(models.Model):
    """A phone call: rung in by the call-center system (screen pop) or logged by an agent."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Gọi đến")
        OUTBOUND = "outbound", _("Gọi đi")

    class Status(models.TextChoices):
        RINGING = "ringing", _("Đang đổ chuông")
        ANSWERED = "answered", _("Đã nghe")
        ENDED = "ended", _("Đã kết thúc")
        MISSED = "missed", _("Gọi nhỡ")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        CONFIRMED = "confirmed", _("Khách xác nhận đã ổn")
        NOT_RESOLVED = "not_resolved", _("Khách báo chưa ổn")
        NO_ANSWER = "no_answer", _("Không nghe máy")
        CALLBACK = "callback", _("Hẹn gọi lại")
        INFO = "info", _("Đã tư vấn")

    call_id = models.CharField(_("mã cuộc gọi"), max_length=100, unique=True, null=True, blank=True)
    direction = models.CharField(_("chiều"), max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    caller = models.CharField(_("số gọi (như nhận được)"), max_length=40, blank=True)
    phone = models.CharField(_("số điện thoại (E.164)"), max_length=20, blank=True, db_index=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("khách hàng"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_calls",
        verbose_name=_("tổng đài viên"),
    )
    agent_extension = models.CharField(_("máy lẻ"), max_length=16, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls", verbose_name=_("yêu cầu")
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.RINGING)
    outcome = models.CharField(_("kết quả"), max_length=16, choices=Outcome.choices, blank=True, default="")
    notes = models.TextField(_("ghi chú"), blank=True)
    started_at = models.DateTimeField(_("bắt đầu"), default=timezone.now)
    answered_at = models.DateTimeField(_("nghe máy lúc"), null=True, blank=True)
    ended_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("cuộc gọi")
        verbose_name_plural = _("cuộc gọi")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["agent", "status", "started_at"], name="call_agent_pop"),
            models.Index(fields=["customer", "started_at"], name="call_customer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.caller or self.phone} · {self.started_at:%d/%m %H:%M}"


class CtiToken(models.Model):
    """The call-center system's credential: it may post calls and call status, nothing else.

    Not a user account: it reads no customer or ticket and edits nothing. Only the SHA-256 of
    the key is stored; the key itself is shown once, when made (`manage.py cti_token_create`).
    """

    name = models.CharField(_("tên hệ thống"), max_length=100)
    key_hash = models.CharField(_("mã băm của khoá"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("đầu khoá"), max_length=8, editable=False)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("khoá tích hợp tổng đài (CTI)")
        verbose_name_plural = _("khoá tích hợp tổng đài (CTI)")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
