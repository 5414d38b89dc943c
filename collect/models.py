"""The event collector's data: sources (write keys), raw events as received, and the map from
anonymous ids / user ids to customers.

The request path only appends `RawEvent` rows (one multi-row INSERT); the timeline rows are made
later by `collect.services.events_process`. A raw event is unique per (source, messageId): that
constraint is the dedupe, so a retried batch adds nothing, also under concurrency.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Source(models.Model):
    """A website, app, server or landing page allowed to send events, with its write key."""

    class Kind(models.TextChoices):
        WEBSITE = "website", _("Website")
        APP = "app", _("Ứng dụng")
        SERVER = "server", _("Máy chủ")
        LANDING = "landing", _("Trang đích")

    class ConsentDefault(models.TextChoices):
        # What the source may record when an event carries no `context.consent`.
        NONE = "none", _("Không ghi nếu sự kiện không kèm đồng ý")
        ANALYTICS = "analytics", _("Chỉ phân tích (không dùng cho tiếp thị)")
        ALL = "all", _("Phân tích và tiếp thị (nguồn đã xin đồng ý)")

    name = models.CharField(_("tên"), max_length=100, unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    # Only the SHA-256 of the key is kept; the key itself is shown once, when it is made.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("đầu khoá"), max_length=8, editable=False)
    consent_default = models.CharField(
        _("khi sự kiện không kèm đồng ý"),
        max_length=10,
        choices=ConsentDefault.choices,
        default=ConsentDefault.ANALYTICS,
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("nguồn sự kiện")
        verbose_name_plural = _("nguồn sự kiện")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class RawEvent(models.Model):
    """One event as a source sent it. `state` says where it is on its way to the timeline."""

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ xử lý")
        WAITING = "waiting", _("Chờ nhận diện khách")
        DONE = "done", _("Đã vào dòng thời gian")
        SKIPPED = "skipped", _("Không ghi (không có đồng ý)")

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="events")
    message_id = models.CharField(max_length=100)
    type = models.CharField(max_length=10)
    anonymous_id = models.CharField(max_length=100, blank=True)
    user_id = models.CharField(max_length=100, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    customer_id = models.BigIntegerField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sự kiện thô")
        verbose_name_plural = _("sự kiện thô")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "message_id"],
                name="collect_event_unique_message",
                violation_error_message=_("Sự kiện này từ nguồn này đã được nhận trước đó."),
            ),
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(state="pending"), name="collect_event_pending_idx"),
            # Waiting events are found again by the identity that arrives for them.
            models.Index(fields=["anonymous_id"], condition=Q(state="waiting"), name="collect_event_waiting_anon_idx"),
            models.Index(fields=["user_id"], condition=Q(state="waiting"), name="collect_event_waiting_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.message_id}"


class Identity(models.Model):
    """An anonymous id or a userId tied to one customer. Unique: one id never means two people."""

    class Kind(models.TextChoices):
        ANONYMOUS = "anonymous", _("Mã ẩn danh")
        USER = "user", _("Mã người dùng")

    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    value = models.CharField(_("giá trị"), max_length=100)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("nhận diện lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("định danh sự kiện")
        verbose_name_plural = _("định danh sự kiện")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value"],
                name="collect_identity_unique",
                violation_error_message=_("Định danh này đã thuộc về một khách hàng."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value} → #{self.customer_id}"


class IdentityConflict(models.Model):
    """An id already tied to one customer arrived with another person's traits: recorded, not guessed."""

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="conflicts")
    other_customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(RawEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("xung đột định danh")
        verbose_name_plural = _("xung đột định danh")
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "other_customer"],
                name="collect_conflict_unique_pair",
                violation_error_message=_("Xung đột định danh này đã được ghi nhận."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identity} ≠ #{self.other_customer_id}"


class LeadForm(models.Model):
    """A hosted lead form `/f/<slug>/` of one campaign ("click to lead")."""

    slug = models.SlugField(_("đường dẫn"), max_length=60, unique=True)
    campaign = models.ForeignKey(
        "promotions.Campaign", on_delete=models.PROTECT, related_name="lead_forms", verbose_name=_("chiến dịch")
    )
    title = models.CharField(_("tiêu đề"), max_length=200)
    intro = models.TextField(_("lời giới thiệu"), blank=True)
    # One choice per line; empty = the form asks no interest.
    interests = models.TextField(_("lựa chọn quan tâm (mỗi dòng một lựa chọn)"), blank=True)
    ask_store = models.BooleanField(_("cho chọn cửa hàng"), default=True)
    notify_store = models.BooleanField(_("báo cho cửa hàng được chọn"), default=True)
    is_active = models.BooleanField(_("đang mở"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("form đăng ký")
        verbose_name_plural = _("form đăng ký")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("collect:lead-form", args=[self.slug])

    @property
    def interest_choices(self) -> list[str]:
        return [line.strip() for line in self.interests.splitlines() if line.strip()]


class LeadSubmission(models.Model):
    """One submission of a lead form: who, what, where from (UTM / click id), and the store notice."""

    form = models.ForeignKey(LeadForm, on_delete=models.PROTECT, related_name="submissions")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    store_code = models.CharField(_("cửa hàng"), max_length=50, blank=True)
    interest = models.CharField(_("quan tâm"), max_length=200, blank=True)
    marketing_consent = models.BooleanField(_("đồng ý nhận tin tiếp thị"), default=False)
    consent_version = models.CharField(_("phiên bản văn bản đồng ý"), max_length=20, blank=True)
    utm = models.JSONField(_("UTM"), default=dict, blank=True)
    click_id = models.CharField(_("mã nhấp quảng cáo"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    store_notified_at = models.DateTimeField(_("đã báo cửa hàng lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("lượt đăng ký")
        verbose_name_plural = _("lượt đăng ký")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["form", "-created_at"], name="collect_submission_form_idx")]

    def __str__(self) -> str:
        return f"{self.form_id}:{self.customer_id}"
