"""Campaigns, vouchers, automatic promotions, redemptions and the marketing budget plan.

The single-use guarantee lives here, in the database: `Voucher.used_count` may never pass
`usage_limit` (a CHECK constraint) and services move it only with a conditional UPDATE; the
per-customer count has the same shape in `VoucherCustomerUse`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from o2o_site.money import MoneyField


class JourneyStage(models.TextChoices):
    AWARENESS = "awareness", _("Nhận biết")
    ACQUISITION = "acquisition", _("Thu hút")
    CONVERSION = "conversion", _("Chuyển đổi")
    RETENTION = "retention", _("Giữ chân")
    EXPANSION = "expansion", _("Mở rộng")


# The split of seed 004: awareness 40%, acquisition 30%, conversion 15%, retention 10%, expansion 5%.
DEFAULT_STAGE_SHARES = {
    JourneyStage.AWARENESS: 40,
    JourneyStage.ACQUISITION: 30,
    JourneyStage.CONVERSION: 15,
    JourneyStage.RETENTION: 10,
    JourneyStage.EXPANSION: 5,
}


class Campaign(models.Model):
    """An online campaign; vouchers and promotions point at it so store events trace back to it."""

    name = models.CharField(_("tên"), max_length=200)
    channel = models.ForeignKey(
        "channels.SalesChannel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
        verbose_name=_("kênh"),
    )
    utm_source = models.CharField(_("utm_source"), max_length=100, blank=True)
    utm_medium = models.CharField(_("utm_medium"), max_length=100, blank=True)
    utm_campaign = models.SlugField(_("utm_campaign"), max_length=100, unique=True)
    journey_stage = models.CharField(_("giai đoạn hành trình"), max_length=20, choices=JourneyStage.choices)
    budget = MoneyField(_("ngân sách (₫)"), default=0)
    starts_on = models.DateField(_("bắt đầu"))
    ends_on = models.DateField(_("kết thúc"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chiến dịch")
        verbose_name_plural = _("chiến dịch")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0),
                name="campaign_budget_gte_0",
                violation_error_message=_("Ngân sách chiến dịch không thể âm."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="campaign_dates_ordered",
                violation_error_message=_("Ngày kết thúc chiến dịch phải sau hoặc bằng ngày bắt đầu."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def utm(self) -> dict:
        return {"source": self.utm_source, "medium": self.utm_medium, "campaign": self.utm_campaign}


class CampaignSpend(models.Model):
    """One spend entry of a campaign (an invoice from the ad network, a day's spend)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="spends")
    spent_on = models.DateField(_("ngày chi"))
    amount = MoneyField(_("số tiền (₫)"))
    note = models.CharField(_("ghi chú"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("khoản chi chiến dịch")
        verbose_name_plural = _("khoản chi chiến dịch")
        ordering = ["-spent_on", "-pk"]
        indexes = [models.Index(fields=["spent_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="campaign_spend_amount_gt_0",
                violation_error_message=_("Số tiền chi phải lớn hơn 0."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.spent_on} {self.amount}"


class BudgetPlan(models.Model):
    """The marketing budget of a period, split by journey stage (percent, summing to 100)."""

    name = models.CharField(_("tên"), max_length=200)
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    total_budget = MoneyField(_("tổng ngân sách (₫)"))
    awareness_percent = models.PositiveSmallIntegerField(_("nhận biết (%)"), default=40)
    acquisition_percent = models.PositiveSmallIntegerField(_("thu hút (%)"), default=30)
    conversion_percent = models.PositiveSmallIntegerField(_("chuyển đổi (%)"), default=15)
    retention_percent = models.PositiveSmallIntegerField(_("giữ chân (%)"), default=10)
    expansion_percent = models.PositiveSmallIntegerField(_("mở rộng (%)"), default=5)

    class Meta:
        verbose_name = _("kế hoạch ngân sách")
        verbose_name_plural = _("kế hoạch ngân sách")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="budget_plan_dates_ordered",
                violation_error_message=_("Ngày kết thúc kế hoạch phải sau hoặc bằng ngày bắt đầu."),
            ),
            models.CheckConstraint(
                condition=Exact(
                    F("awareness_percent")
                    + F("acquisition_percent")
                    + F("conversion_percent")
                    + F("retention_percent")
                    + F("expansion_percent"),
                    100,
                ),
                name="budget_plan_shares_sum_100",
                violation_error_message=_("Tỉ lệ năm giai đoạn của kế hoạch ngân sách phải cộng lại đúng 100%%."),
            ),
            models.CheckConstraint(
                condition=Q(total_budget__gte=0),
                name="budget_plan_total_gte_0",
                violation_error_message=_("Tổng ngân sách không thể âm."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def share(self, stage: str) -> int:
        return getattr(self, f"{stage}_percent")


class TimeSlotFields(models.Model):
    """Validity period plus optional weekly time slot, read in Asia/Ho_Chi_Minh."""

    valid_from = models.DateTimeField(_("hiệu lực từ"))
    valid_to = models.DateTimeField(_("hiệu lực đến"))
    # 0 = Monday … 6 = Sunday; empty = every day.
    weekdays = models.JSONField(_("ngày trong tuần"), default=list, blank=True)
    # Local (Vietnam) wall-clock window [time_from, time_to); both empty = all day.
    time_from = models.TimeField(_("từ giờ"), null=True, blank=True)
    time_to = models.TimeField(_("đến giờ"), null=True, blank=True)

    class Meta:
        abstract = True


class Voucher(TimeSlotFields):
    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Cá nhân (dùng một lần)")
        SHARED = "shared", _("Mã chung")

    class DiscountType(models.TextChoices):
        PERCENT = "percent", _("Phần trăm")
        FIXED = "fixed", _("Số tiền cố định")
        GIFT = "gift", _("Quà tặng")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang hoạt động")
        DISABLED = "disabled", _("Đã khóa")

    code = models.CharField(_("mã"), max_length=32, unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.SHARED)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vouchers",
        verbose_name=_("khách hàng"),
    )
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vouchers",
        verbose_name=_("chiến dịch"),
    )
    discount_type = models.CharField(_("kiểu giảm"), max_length=10, choices=DiscountType.choices)
    # percent: 1..100; fixed: whole VND; gift: unused (0).
    discount_value = models.PositiveIntegerField(_("giá trị giảm"), default=0)
    max_discount = MoneyField(_("giảm tối đa (₫)"), null=True, blank=True)
    gift_sku = models.ForeignKey(
        "channels.SKU",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("SKU quà tặng"),
    )
    min_basket = MoneyField(_("đơn tối thiểu (₫)"), default=0)
    store_only = models.BooleanField(_("chỉ dùng tại cửa hàng"), default=True)
    stores = models.ManyToManyField("channels.Store", blank=True, related_name="+", verbose_name=_("cửa hàng"))
    usage_limit = models.PositiveIntegerField(_("tổng số lượt"), default=1)
    per_customer_limit = models.PositiveIntegerField(_("số lượt mỗi khách"), null=True, blank=True)
    used_count = models.PositiveIntegerField(_("đã dùng"), default=0)
    combinable = models.BooleanField(_("dùng chung với mã khác"), default=False)
    source = models.CharField(_("nguồn"), max_length=50, blank=True)
    batch = models.ForeignKey(
        "VoucherBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="vouchers", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("voucher")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["customer", "valid_to"]), models.Index(fields=["campaign"])]
        constraints = [
            # The database, not Python, refuses the use after the last one.
            models.CheckConstraint(
                condition=Q(used_count__lte=F("usage_limit")),
                name="voucher_used_lte_limit",
                violation_error_message=_("Số lần đã dùng không thể vượt quá số lần được dùng."),
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__gte=1),
                name="voucher_usage_limit_gte_1",
                violation_error_message=_("Voucher phải được dùng ít nhất 1 lần."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="personal") | (Q(customer__isnull=False) & Q(usage_limit=1)),
                name="voucher_personal_has_customer_single_use",
                violation_error_message=_("Voucher cá nhân phải gắn với một khách hàng và chỉ dùng được 1 lần."),
            ),
            models.CheckConstraint(
                condition=~Q(discount_type="percent") | Q(discount_value__gte=1, discount_value__lte=100),
                name="voucher_percent_1_100",
                violation_error_message=_("Voucher giảm theo phần trăm phải giảm từ 1%% đến 100%%."),
            ),
            models.CheckConstraint(
                condition=~Q(discount_type="gift") | Q(gift_sku__isnull=False),
                name="voucher_gift_has_sku",
                violation_error_message=_("Voucher quà tặng phải chọn mã hàng được tặng."),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__gt=F("valid_from")),
                name="voucher_valid_period",
                violation_error_message=_("Thời điểm hết hạn của voucher phải sau thời điểm bắt đầu."),
            ),
            # A batch re-run after a crash never gives one customer a second voucher.
            models.UniqueConstraint(
                fields=["batch", "customer"],
                condition=Q(batch__isnull=False),
                name="voucher_batch_customer_unique",
                violation_error_message=_("Khách này đã có một voucher trong đợt phát này."),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def remaining_uses(self) -> int:
        return max(0, self.usage_limit - self.used_count)


class VoucherCustomerUse(models.Model):
    """How many times one customer used one shared voucher (moved with a conditional UPDATE)."""

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="customer_uses")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    used_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["voucher", "customer"],
                name="voucher_customer_use_unique",
                violation_error_message=_("Khách này đã dùng voucher này rồi."),
            ),
        ]


class Promotion(TimeSlotFields):
    """An automatic promotion: applies by itself when the basket, place and time match."""

    class Kind(models.TextChoices):
        PERCENT_BILL = "percent_bill", _("Giảm % hóa đơn")
        FIXED_BILL = "fixed_bill", _("Giảm tiền hóa đơn")
        PERCENT_ITEMS = "percent_items", _("Giảm % sản phẩm")
        FIXED_ITEMS = "fixed_items", _("Giảm tiền mỗi sản phẩm")
        THRESHOLD = "threshold", _("Mua đủ tiền được giảm")
        BUNDLE = "bundle", _("Mua N tặng M")
        TRADE_IN = "trade_in", _("Thu cũ đổi mới")

    class Combination(models.TextChoices):
        COMBINABLE = "combinable", _("Cộng dồn với khuyến mãi khác")
        EXCLUSIVE = "exclusive", _("Không cộng dồn (chọn ưu đãi tốt nhất)")

    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("đang bật"), default=True)
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promotions",
        verbose_name=_("chiến dịch"),
    )
    percent = models.PositiveSmallIntegerField(_("phần trăm"), null=True, blank=True)
    amount = MoneyField(_("số tiền (₫)"), null=True, blank=True)
    max_discount = MoneyField(_("giảm tối đa (₫)"), null=True, blank=True)
    threshold = MoneyField(_("ngưỡng chi tiêu (₫)"), null=True, blank=True)
    buy_quantity = models.PositiveSmallIntegerField(_("mua"), null=True, blank=True)
    free_quantity = models.PositiveSmallIntegerField(_("tặng"), null=True, blank=True)
    # Items the promotion is about (empty = every item); for trade-in, the new items. A "buy N
    # get M" must name its SKUs or categories: with neither it would give away anything.
    skus = models.ManyToManyField("channels.SKU", blank=True, related_name="+", verbose_name=_("sản phẩm áp dụng"))
    categories = models.JSONField(
        _("danh mục áp dụng"),
        default=list,
        blank=True,
        help_text=_("Tên danh mục sản phẩm, ví dụ “Phụ kiện”; cộng với các sản phẩm đã chọn."),
    )
    # Scope: empty lists mean "everywhere".
    stores = models.ManyToManyField("channels.Store", blank=True, related_name="+", verbose_name=_("cửa hàng"))
    channels = models.ManyToManyField(
        "channels.SalesChannel", blank=True, related_name="+", verbose_name=_("kênh online")
    )
    store_only = models.BooleanField(_("chỉ tại cửa hàng"), default=False)
    online_only = models.BooleanField(_("chỉ online"), default=False)
    segment_codes = models.JSONField(_("phân khúc khách hàng"), default=list, blank=True)
    priority = models.PositiveSmallIntegerField(_("thứ tự ưu tiên"), default=100)
    combination = models.CharField(
        _("quy tắc kết hợp"), max_length=12, choices=Combination.choices, default=Combination.COMBINABLE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves on every save: with the row count it tells the engine's cache the list changed.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("khuyến mãi")
        verbose_name_plural = _("khuyến mãi")
        ordering = ["priority", "pk"]
        indexes = [models.Index(fields=["is_active", "valid_from", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gt=F("valid_from")),
                name="promotion_valid_period",
                violation_error_message=_("Thời điểm kết thúc khuyến mãi phải sau thời điểm bắt đầu."),
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=1, percent__lte=100),
                name="promotion_percent_1_100",
                violation_error_message=_("Khuyến mãi theo phần trăm phải giảm từ 1%% đến 100%%."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UpsellRule(models.Model):
    """What the cashier offers at the counter when the basket holds one of the trigger items."""

    name = models.CharField(_("tên"), max_length=200)
    trigger_skus = models.ManyToManyField("channels.SKU", related_name="+", verbose_name=_("khi giỏ có"))
    suggested_sku = models.ForeignKey(
        "channels.SKU", on_delete=models.CASCADE, related_name="+", verbose_name=_("gợi ý bán thêm")
    )
    message = models.CharField(_("lời mời"), max_length=300)
    is_active = models.BooleanField(_("đang bật"), default=True)

    class Meta:
        verbose_name = _("gợi ý bán thêm")
        verbose_name_plural = _("gợi ý bán thêm")

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Đã dùng")
        VOIDED = "voided", _("Đã hủy")

    class BasketSource(models.TextChoices):
        # Lines naming our SKUs, priced from our prices (an override carries its reason).
        SKUS = "skus", _("Theo mã hàng")
        # A total typed from the store's POS: the POS holds the lines.
        POS_TOTAL = "pos_total", _("Tổng tiền từ máy POS")

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    store = models.ForeignKey("channels.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel_code = models.CharField(max_length=32, blank=True)
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions"
    )
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    order_ref = models.CharField(_("đơn hàng"), max_length=64, blank=True)
    # The sale this redemption discounted, when it was recorded here (the cashier screen).
    order = models.ForeignKey(
        "channels.Order",
        null=True,
        blank=True,
        # The redemption is the financial record (order_ref keeps the number): never blocks the order.
        on_delete=models.SET_NULL,
        related_name="redemptions",
        verbose_name=_("đơn bán"),
        db_index=False,  # indexed below, built concurrently (a big table: migration 0004)
    )
    basket_source = models.CharField(
        _("cách nhập giỏ hàng"), max_length=10, choices=BasketSource.choices, default=BasketSource.POS_TOTAL
    )
    basket = models.JSONField(default=dict)
    basket_total = MoneyField()
    discount = MoneyField()
    total = MoneyField()
    idempotency_key = models.CharField(max_length=100, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    redeemed_at = models.DateTimeField(db_index=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("lượt dùng voucher")
        verbose_name_plural = _("lượt dùng voucher")
        ordering = ["-redeemed_at", "-pk"]
        permissions = [("override_basket_price", _("Bán khác giá niêm yết (có lý do)"))]
        indexes = [models.Index(fields=["order"], name="redemption_order_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["cashier", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="redemption_idempotency_unique",
                violation_error_message=_("Lượt dùng voucher này đã được ghi nhận (trùng khóa chống gửi lặp)."),
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(total__gte=0),
                name="redemption_amounts_gte_0",
                violation_error_message=_("Số tiền giảm và tổng tiền không thể âm."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_id}#{self.pk}"


class AuditEntry(models.Model):
    """What must be provable later: voids (done or refused), blocked code guessing."""

    class Action(models.TextChoices):
        VOID = "void", _("Hủy lượt dùng")
        VOID_REFUSED = "void_refused", _("Từ chối hủy")
        LOOKUP_BLOCKED = "lookup_blocked", _("Chặn dò mã")
        BATCH_ISSUED = "batch_issued", _("Phát hành hàng loạt")

    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    redemption = models.ForeignKey(Redemption, null=True, blank=True, on_delete=models.CASCADE, related_name="audit")
    ip = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("nhật ký")
        verbose_name_plural = _("nhật ký")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.created_at:%Y-%m-%d %H:%M}"


class LookupFailure(models.Model):
    """One failed code lookup, written only while the shared cache is down (promotions.limits).

    The fallback count of the limiter: rows of the current minute are counted per scope
    ("user:<id>", "store:<id>", "public:<address>") and older ones are trimmed as new ones come.
    """

    scope = models.CharField(max_length=80)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["scope", "at"], name="lookupfailure_scope_at")]

    def __str__(self) -> str:
        return f"{self.scope} {self.at:%H:%M:%S}"


class VoucherBatch(models.Model):
    """A bulk issue to a segment or a list of customers, run by a Celery job with progress."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ chạy")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Hoàn tất")
        FAILED = "failed", _("Lỗi")

    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches")
    segment_code = models.CharField(_("phân khúc"), max_length=100, blank=True)
    customer_ids = models.JSONField(_("danh sách khách"), default=list, blank=True)
    # The voucher each customer gets (voucher_issue keyword arguments, JSON-safe).
    template = models.JSONField(default=dict)
    message_channel = models.CharField(_("gửi tin qua"), max_length=10, blank=True)
    message_body = models.TextField(_("nội dung tin"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    messaged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The job's lease: whoever holds it (a worker's run) renews it with every chunk; an expired
    # lease is taken over by the periodic resume, which goes on after `cursor` (the last
    # customer id whose chunk committed; ids are issued in ascending order).
    cursor = models.BigIntegerField(default=0)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("đợt phát hành voucher")
        verbose_name_plural = _("đợt phát hành voucher")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status}"
