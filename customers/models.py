from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from o2o_site.money import MoneyField


class Lifecycle(models.TextChoices):
    LEAD = "lead", _("Tiềm năng")
    CUSTOMER = "customer", _("Đã mua")
    INACTIVE = "inactive", _("Lâu không mua")


class Customer(models.Model):
    """One person, merged from every touchpoint. Identifiers live in contact points."""

    full_name = models.CharField(_("họ tên"), max_length=200, blank=True)
    # Folded (lowercase ASCII) name, written at save time by services, for search.
    search_name = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        verbose_name=_("đã gộp vào"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    birthday = models.DateField(_("ngày sinh"), null=True, blank=True)
    gender = models.CharField(_("giới tính"), max_length=10, blank=True)
    district = models.CharField(_("quận/huyện"), max_length=100, blank=True)
    city = models.CharField(_("tỉnh/thành phố"), max_length=100, blank=True)
    # Folded district, so duplicate detection compares "Quận 1" and "quan 1" as one.
    search_district = models.CharField(max_length=100, blank=True, editable=False)
    source = models.CharField(_("nguồn"), max_length=50, blank=True)
    lifecycle = models.CharField(
        _("vòng đời"), max_length=20, choices=Lifecycle.choices, default=Lifecycle.LEAD, db_index=True
    )
    # Channels sets it (customer_set_preferred_store); customers knows no Store model.
    preferred_store_code = models.CharField(_("cửa hàng ưa thích"), max_length=50, blank=True, db_index=True)
    lead_score = models.IntegerField(_("điểm tiềm năng"), default=0)
    # Purchase figures, recomputed from Purchase rows by services.
    order_count = models.PositiveIntegerField(_("số đơn"), default=0)
    lifetime_value = MoneyField(_("tổng chi tiêu"), default=0)
    first_purchase_at = models.DateTimeField(_("mua lần đầu"), null=True, blank=True)
    last_purchase_at = models.DateTimeField(_("mua gần nhất"), null=True, blank=True)
    # Cached sum of the points ledger; moved only with guarded F() updates.
    points_balance = models.IntegerField(_("điểm"), default=0)
    merged_at = models.DateTimeField(_("gộp lúc"), null=True, blank=True)
    erased_at = models.DateTimeField(_("xoá dữ liệu lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("khách hàng")
        verbose_name_plural = _("khách hàng")
        constraints = [
            models.CheckConstraint(
                condition=Q(points_balance__gte=0),
                name="customer_points_not_negative",
                violation_error_message=_("Số điểm của khách không thể âm."),
            ),
        ]
        indexes = [
            models.Index(fields=["search_name", "birthday"], name="customer_dupe_birthday_idx"),
            models.Index(fields=["-last_purchase_at"], name="customer_last_purchase_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("customers:detail", args=[self.pk])

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Điện thoại")
    EMAIL = "email", _("Email")
    ZALO = "zalo", _("Zalo")
    FACEBOOK = "facebook", _("Facebook")
    SHOPEE = "shopee", _("Shopee")
    LAZADA = "lazada", _("Lazada")
    TIKI = "tiki", _("Tiki")
    TIKTOK = "tiktok", _("TikTok Shop")
    WEBSITE = "website", _("Tài khoản website")


class ContactPoint(models.Model):
    """One identifier of a customer, normalized (E.164 phone, lowercase email, trimmed ids).

    A live (non-blocked) value belongs to at most one customer: the unique constraint is what
    makes two concurrent resolves of the same new phone end as one customer.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(_("loại"), max_length=20, choices=ContactKind.choices)
    value = models.CharField(_("giá trị"), max_length=254)
    raw = models.CharField(_("như đã nhập"), max_length=254, blank=True)
    # Phones: the reversed digits let "last 4+ digits" searches use a prefix index.
    search_value = models.CharField(max_length=254, blank=True, editable=False)
    is_blocked = models.BooleanField(_("trong danh sách chặn"), default=False)
    unlisted = models.BooleanField(
        _("số chưa có trong bảng số"), default=False, help_text=_("Số đúng dạng nhưng chưa thấy trong bảng số.")
    )
    is_primary = models.BooleanField(_("chính"), default=False)
    source = models.CharField(_("nguồn"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("điểm liên hệ")
        verbose_name_plural = _("điểm liên hệ")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value"],
                condition=Q(is_blocked=False),
                name="contact_point_unique_live_value",
                violation_error_message=_("Số điện thoại, email hoặc mã Zalo này đã thuộc về một khách hàng khác."),
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "kind"], name="contact_customer_kind_idx"),
            models.Index(fields=["kind", "search_value"], name="contact_kind_search_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class BlockedIdentifier(models.Model):
    """Values that must never join people together: the hotline, store phones, shared tablets."""

    kind = models.CharField(_("loại"), max_length=20, choices=ContactKind.choices)
    value = models.CharField(_("giá trị (đã chuẩn hoá)"), max_length=254)
    reason = models.CharField(_("lý do"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("định danh bị chặn")
        verbose_name_plural = _("định danh bị chặn")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value"],
                name="blocked_identifier_unique",
                violation_error_message=_("Liên hệ này đã nằm trong danh sách chặn."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class ContactChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    ZNS = "zns", _("Zalo ZNS")
    EMAIL = "email", _("Email")
    CALL = "call", _("Gọi điện")


class Purpose(models.TextChoices):
    MARKETING = "marketing", _("Tiếp thị")
    SERVICE = "service", _("Chăm sóc / dịch vụ")


class ConsentText(models.Model):
    """The wording the customer agreed to, versioned: an event points at the exact version."""

    purpose = models.CharField(_("mục đích"), max_length=20, choices=Purpose.choices)
    version = models.CharField(_("phiên bản"), max_length=20)
    body = models.TextField(_("nội dung"))
    published_at = models.DateTimeField(_("công bố lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("văn bản đồng ý")
        verbose_name_plural = _("văn bản đồng ý")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "version"],
                name="consent_text_unique_version",
                violation_error_message=_("Mục đích này đã có một văn bản đồng ý cùng phiên bản."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version}"


class ConsentEvent(models.Model):
    """Append-only history: one row per grant or withdrawal, with its proof."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consent_events")
    channel = models.CharField(_("kênh"), max_length=10, choices=ContactChannel.choices)
    purpose = models.CharField(_("mục đích"), max_length=20, choices=Purpose.choices)
    granted = models.BooleanField(_("đồng ý"))
    source = models.CharField(_("nguồn"), max_length=50)
    text = models.ForeignKey(ConsentText, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("văn bản"))
    evidence = models.TextField(_("bằng chứng"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    occurred_at = models.DateTimeField(_("lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("lịch sử đồng ý")
        verbose_name_plural = _("lịch sử đồng ý")
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="consent_event_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel}/{self.purpose}: {self.granted}"


class ConsentState(models.Model):
    """The current consent per (customer, channel, purpose), kept in step with the events."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("kênh"), max_length=10, choices=ContactChannel.choices)
    purpose = models.CharField(_("mục đích"), max_length=20, choices=Purpose.choices)
    granted = models.BooleanField(_("đồng ý"))
    updated_at = models.DateTimeField(_("cập nhật lúc"))
    last_event = models.ForeignKey(ConsentEvent, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("đồng ý hiện tại")
        verbose_name_plural = _("đồng ý hiện tại")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "channel", "purpose"],
                name="consent_state_unique",
                violation_error_message=_("Khách này đã có trạng thái đồng ý cho kênh và mục đích này."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose}: {self.granted}"


class Purchase(models.Model):
    """One order's figures as the customer sees them; the source of order count and lifetime value."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="purchases")
    order_ref = models.CharField(_("mã đơn"), max_length=100, unique=True)
    amount = MoneyField(_("giá trị"))
    channel = models.CharField(_("kênh"), max_length=50, blank=True)
    store_code = models.CharField(_("cửa hàng"), max_length=50, blank=True)
    occurred_at = models.DateTimeField(_("lúc"))
    points_earned = models.IntegerField(_("điểm tích"), default=0)
    reversed_at = models.DateTimeField(_("huỷ/trả lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("giao dịch mua")
        verbose_name_plural = _("giao dịch mua")
        indexes = [models.Index(fields=["customer", "occurred_at"], name="purchase_customer_idx")]

    def __str__(self) -> str:
        return self.order_ref


class PointsEntry(models.Model):
    """The points ledger. `points` is signed; earn rows keep `remaining` for expiry (FIFO)."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Tích điểm")
        SPEND = "spend", _("Dùng điểm")
        EXPIRE = "expire", _("Hết hạn")
        ADJUST = "adjust", _("Điều chỉnh")
        REVERSE = "reverse", _("Thu hồi (huỷ/trả đơn)")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="points_entries")
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("điểm"))
    remaining = models.IntegerField(_("còn lại"), default=0)
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    reference = models.CharField(_("tham chiếu"), max_length=100, blank=True)
    reason = models.CharField(_("lý do"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("bút toán điểm")
        verbose_name_plural = _("sổ điểm")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "reference"],
                condition=~Q(reference=""),
                name="points_entry_unique_reference",
                violation_error_message=_("Giao dịch điểm với mã tham chiếu này đã được ghi nhận cho khách."),
            ),
            models.CheckConstraint(
                condition=Q(remaining__gte=0),
                name="points_remaining_not_negative",
                violation_error_message=_("Số điểm còn lại của một lần cộng điểm không thể âm."),
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="points_customer_idx"),
            models.Index(fields=["expires_at"], condition=Q(remaining__gt=0), name="points_expiring_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points}"


class Activity(models.Model):
    """The timeline: everything that happened with the customer, in every app."""

    class Kind(models.TextChoices):
        ORDER = "order", _("Đơn hàng")
        CHECKIN = "checkin", _("Ghé cửa hàng")
        REDEMPTION = "redemption", _("Dùng voucher")
        TICKET = "ticket", _("Yêu cầu hỗ trợ")
        MESSAGE = "message", _("Tin nhắn")
        CALL = "call", _("Cuộc gọi")
        WEB_VISIT = "web_visit", _("Truy cập web")
        AD_CLICK = "ad_click", _("Nhấp quảng cáo")
        PRODUCT_VIEW = "product_view", _("Xem sản phẩm")
        CART_ADD = "cart_add", _("Thêm vào giỏ")
        CHECKOUT = "checkout", _("Bắt đầu thanh toán")
        LINK_CLICK = "link_click", _("Nhấp liên kết")
        INQUIRY = "inquiry", _("Hỏi thông tin")
        LEAD = "lead", _("Khách tiềm năng")
        POINTS = "points", _("Điểm thưởng")
        CONSENT = "consent", _("Đồng ý liên hệ")
        MERGE = "merge", _("Gộp hồ sơ")
        OTHER = "other", _("Khác")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("lúc"), default=timezone.now)
    channel = models.CharField(_("kênh"), max_length=50, blank=True)
    store_code = models.CharField(_("cửa hàng"), max_length=50, blank=True)
    summary = models.CharField(_("tóm tắt"), max_length=300, blank=True)
    ref_type = models.CharField(_("loại tham chiếu"), max_length=50, blank=True)
    ref_id = models.CharField(_("mã tham chiếu"), max_length=100, blank=True)
    amount = MoneyField(_("số tiền"), null=True, blank=True)
    campaign_id = models.BigIntegerField(_("chiến dịch"), null=True, blank=True)
    utm = models.JSONField(_("UTM"), default=dict, blank=True)
    data = models.JSONField(_("dữ liệu"), default=dict, blank=True)
    created_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("hoạt động")
        verbose_name_plural = _("dòng thời gian")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "ref_type", "ref_id"],
                condition=~Q(ref_id=""),
                name="activity_unique_ref",
                violation_error_message=_("Hoạt động này đã có trên dòng thời gian của khách."),
            ),
        ]
        indexes = [
            # The newest N of one customer in one index range scan.
            models.Index(fields=["customer", "-occurred_at", "-id"], name="activity_timeline_idx"),
            models.Index(fields=["kind", "-occurred_at"], name="activity_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class Message(models.Model):
    """An outbound message: a row first (pending), sent after commit by a task, with a delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Thất bại")
        # No gateway is configured for this channel: nothing was sent, and the screens say so.
        NOT_CONFIGURED = "not_configured", _("Chưa cấu hình kênh gửi")

    # Null only for a one-time code sent to a phone that no profile holds yet (a check-in
    # confirming a new phone): the profile is created only once the code comes back.
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(_("kênh"), max_length=10, choices=ContactChannel.choices)
    purpose = models.CharField(_("mục đích"), max_length=20, choices=Purpose.choices)
    to_address = models.CharField(_("gửi tới"), max_length=254, blank=True)
    body = models.TextField(_("nội dung"), blank=True)
    template_id = models.CharField(_("mẫu"), max_length=100, blank=True)
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    idempotency_key = models.CharField(_("khoá chống gửi trùng"), max_length=200, unique=True)
    fallback_channel = models.CharField(_("kênh dự phòng"), max_length=10, blank=True)
    ref_type = models.CharField(_("loại tham chiếu"), max_length=50, blank=True)
    ref_id = models.CharField(_("mã tham chiếu"), max_length=100, blank=True)
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    provider_id = models.CharField(_("mã nhà cung cấp"), max_length=200, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    next_attempt_at = models.DateTimeField(_("thử lại lúc"), null=True, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tin nhắn")
        verbose_name_plural = _("tin nhắn")
        indexes = [
            models.Index(fields=["ref_type", "ref_id"], name="message_ref_idx"),
            models.Index(fields=["customer", "-created_at"], name="message_customer_idx"),
            models.Index(
                fields=["status", "next_attempt_at"], condition=Q(status="pending"), name="message_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to_address} ({self.status})"


class MergeCandidate(models.Model):
    """Two profiles that look like one person: the merge queue. `customer_a_id < customer_b_id`."""

    class Status(models.TextChoices):
        OPEN = "open", _("Chờ xử lý")
        MERGED = "merged", _("Đã gộp")
        DISMISSED = "dismissed", _("Không phải trùng")

    customer_a = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("lý do"), max_length=200)
    score = models.PositiveSmallIntegerField(_("độ tin cậy"), default=50)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("phát hiện lúc"), auto_now_add=True)
    decided_at = models.DateTimeField(_("xử lý lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("nghi trùng")
        verbose_name_plural = _("hàng chờ gộp")
        constraints = [
            models.UniqueConstraint(
                fields=["customer_a", "customer_b"],
                name="merge_candidate_unique_pair",
                violation_error_message=_("Cặp khách hàng này đã nằm trong danh sách cần gộp."),
            ),
            models.CheckConstraint(
                condition=Q(customer_a__lt=models.F("customer_b")),
                name="merge_candidate_ordered",
                violation_error_message=_("Một cặp cần gộp phải gồm hai khách hàng khác nhau."),
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="merge_candidate_queue_idx")]

    def __str__(self) -> str:
        return f"#{self.customer_a_id} ~ #{self.customer_b_id}"


class MergeRecord(models.Model):
    """The audit of one merge, with what moved, so it can be undone."""

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_survived")
    duplicate = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_absorbed")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(_("gộp lúc"), default=timezone.now)
    # {"app_label.Model.field": [pk, ...]}: every row that moved from the duplicate.
    moved = models.JSONField(default=dict)
    undone_at = models.DateTimeField(_("hoàn tác lúc"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("lần gộp hồ sơ")
        verbose_name_plural = _("nhật ký gộp hồ sơ")
        indexes = [models.Index(fields=["-merged_at"], name="merge_record_recent_idx")]

    def __str__(self) -> str:
        return f"#{self.duplicate_id} → #{self.survivor_id}"


class Segment(models.Model):
    """A customer group. Builtin rules (issue 7) or custom conditions fill SegmentMembership."""

    class Kind(models.TextChoices):
        BUILTIN = "builtin", _("Có sẵn")
        CUSTOM = "custom", _("Tự định nghĩa")

    code = models.SlugField(_("mã"), max_length=50, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.BUILTIN)
    description = models.TextField(_("mô tả"), blank=True)
    definition = models.JSONField(_("điều kiện"), default=dict, blank=True)
    thresholds = models.JSONField(_("ngưỡng"), default=dict, blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phân khúc")
        verbose_name_plural = _("phân khúc")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SegmentMembership(models.Model):
    """A stay of a customer in a segment; `left_at` null = a current member. Never deleted."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="segment_memberships")
    joined_at = models.DateTimeField(_("vào lúc"))
    left_at = models.DateTimeField(_("rời lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thành viên phân khúc")
        verbose_name_plural = _("thành viên phân khúc")
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "customer"],
                condition=Q(left_at__isnull=True),
                name="segment_membership_one_open",
                violation_error_message=_("Khách này đang ở trong phân khúc rồi."),
            ),
        ]
        indexes = [
            models.Index(fields=["segment", "customer"], condition=Q(left_at__isnull=True), name="segment_current_idx"),
            models.Index(
                fields=["customer", "segment"], condition=Q(left_at__isnull=True), name="customer_segments_idx"
            ),
            models.Index(fields=["segment", "joined_at"], name="segment_history_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.customer_id}"


class OneTimeCode(models.Model):
    """A short-lived code sent to a phone to prove the person in front of us holds it.

    Only a salted hash of the code is stored; a code is used once (`used_at`, set by a guarded
    UPDATE) and refused after `max_attempts` wrong tries or past `expires_at`.
    """

    class Purpose(models.TextChoices):
        POINTS_SPEND = "points_spend", _("Dùng điểm tại quầy")
        CHECKIN = "checkin", _("Xác nhận số điện thoại khi check-in")

    public_id = models.CharField(_("mã phiên"), max_length=32, unique=True)
    purpose = models.CharField(_("mục đích"), max_length=20, choices=Purpose.choices)
    phone = models.CharField(_("số điện thoại"), max_length=20)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="one_time_codes"
    )
    code_hash = models.CharField(max_length=128, editable=False)
    context = models.JSONField(_("ngữ cảnh"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần nhập sai"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("số lần nhập tối đa"), default=5)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    used_at = models.DateTimeField(_("dùng lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("mã xác nhận một lần")
        verbose_name_plural = _("mã xác nhận một lần")
        indexes = [models.Index(fields=["phone", "-created_at"], name="otp_phone_recent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts__lte=models.F("max_attempts")),
                name="otp_attempts_capped",
                violation_error_message=_("Đã hết số lần nhập mã cho phép."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class AccessLog(models.Model):
    """Who looked at which customer, when, and from which screen or endpoint. Append-only.

    Written by `customers.services.access_record` only (an INSERT); the admin is read-only and a
    database trigger on PostgreSQL refuses UPDATE and DELETE, as the personal-data rules expect a
    record of processing that its subjects cannot edit. Not moved on merge and kept on erasure:
    it records what was seen, under the id that was seen.
    """

    class Action(models.TextChoices):
        LOOKUP = "lookup", _("Tra cứu")
        PROFILE = "profile", _("Xem hồ sơ")
        COUNTER = "counter", _("Tra cứu tại quầy")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("người xem")
    )
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("khách hàng"),
    )
    action = models.CharField(_("thao tác"), max_length=10, choices=Action.choices)
    source = models.CharField(_("màn hình / endpoint"), max_length=100)
    query = models.CharField(_("từ khoá tra cứu"), max_length=200, blank=True)
    result_ids = models.JSONField(_("khách hàng hiện ra"), default=list, blank=True)
    ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    at = models.DateTimeField(_("lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("nhật ký truy cập dữ liệu khách hàng")
        verbose_name_plural = _("nhật ký truy cập dữ liệu khách hàng")
        indexes = [
            models.Index(fields=["-at", "-id"], name="accesslog_recent_idx"),
            models.Index(fields=["customer", "-at"], name="accesslog_customer_idx"),
            models.Index(fields=["user", "-at"], name="accesslog_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.customer_id} {self.at:%Y-%m-%d %H:%M}"


class TrackedLink(models.Model):
    """A link the product sent to a customer, behind the short redirect `/l/<token>`: a click
    lands on the customer's timeline (kind link_click) tied to its message and campaign."""

    token = models.CharField(max_length=16, unique=True)
    url = models.URLField(_("đường dẫn gốc"), max_length=2000)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tracked_links")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="links", verbose_name=_("tin nhắn")
    )
    campaign_id = models.BigIntegerField(_("chiến dịch"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    click_count = models.PositiveIntegerField(_("số lần nhấp"), default=0)
    first_clicked_at = models.DateTimeField(_("nhấp lần đầu"), null=True, blank=True)
    last_clicked_at = models.DateTimeField(_("nhấp gần nhất"), null=True, blank=True)

    class Meta:
        verbose_name = _("liên kết theo dõi")
        verbose_name_plural = _("liên kết theo dõi")
        indexes = [
            models.Index(
                fields=["campaign_id"], condition=Q(campaign_id__isnull=False), name="tracked_link_campaign_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.token
