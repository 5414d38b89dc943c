from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from o2o_site.money import MoneyField


class Store(models.Model):
    """A physical store (or a warehouse that holds stock but sells nothing at a counter)."""

    code = models.SlugField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    province = models.CharField(_("tỉnh/thành"), max_length=100, blank=True)
    district = models.CharField(_("quận/huyện"), max_length=100, blank=True)
    opening_hours = models.CharField(_("giờ mở cửa"), max_length=100, blank=True)
    is_warehouse = models.BooleanField(_("là kho"), default=False)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    # Staff bound to the store: a cashier acts only in the stores listed here.
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="stores", verbose_name=_("nhân viên")
    )
    # The channel its counter sales are recorded on (a channel of kind "store").
    sales_channel = models.ForeignKey(
        "SalesChannel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("kênh bán tại quầy"),
    )

    class Meta:
        verbose_name = _("cửa hàng")
        verbose_name_plural = _("cửa hàng")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SalesChannel(models.Model):
    class Kind(models.TextChoices):
        STORE = "store", _("Cửa hàng")
        WEBSITE = "website", _("Website")
        APP = "app", _("Ứng dụng")
        FACEBOOK = "facebook", "Facebook"
        ZALO = "zalo", "Zalo"
        INSTAGRAM = "instagram", "Instagram"
        TIKTOK = "tiktok", "TikTok"
        SHOPEE = "shopee", "Shopee"
        LAZADA = "lazada", "Lazada"
        TIKI = "tiki", "Tiki"
        TIKTOK_SHOP = "tiktok_shop", "TikTok Shop"
        AFFILIATE = "affiliate", _("Tiếp thị liên kết")

    code = models.SlugField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    is_online = models.BooleanField(_("trực tuyến"), default=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    # Adapter settings that are not secrets (shop id, region, batch size). Secrets: settings/env.
    adapter_settings = models.JSONField(_("cấu hình kết nối"), default=dict, blank=True)

    # The locations the channel sells from (warehouse, ship-from-store…), in the order an
    # order's units are taken; a listing publishes only their stock. None: the channel publishes 0.
    fulfilment_locations = models.ManyToManyField(
        Store,
        through="ChannelLocation",
        blank=True,
        related_name="fulfilling_channels",
        verbose_name=_("kho xuất hàng"),
    )

    class Meta:
        verbose_name = _("kênh bán")
        verbose_name_plural = _("kênh bán")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ChannelLocation(models.Model):
    """A location a channel fulfils from; `position` is the order reservations take units in."""

    channel = models.ForeignKey(
        SalesChannel, on_delete=models.CASCADE, related_name="locations", verbose_name=_("kênh"), db_index=False
    )  # the unique (channel, location) index serves it
    location = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="channel_locations", verbose_name=_("kho/cửa hàng")
    )
    position = models.PositiveSmallIntegerField(_("thứ tự lấy hàng"), default=0)

    class Meta:
        verbose_name = _("kho xuất hàng của kênh")
        verbose_name_plural = _("kho xuất hàng của kênh")
        ordering = ["channel", "position", "location"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "location"],
                name="channel_location_unique",
                violation_error_message=_("Kho/cửa hàng này đã được gắn với kênh này."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}→{self.location_id}"


class Product(models.Model):
    name = models.CharField(_("tên"), max_length=300)
    description = models.TextField(_("mô tả"), blank=True)
    brand = models.CharField(_("thương hiệu"), max_length=100, blank=True)
    category = models.CharField(_("danh mục"), max_length=100, blank=True)
    launch_date = models.DateField(_("ngày ra mắt"), null=True, blank=True)
    # What catalogue feeds need (Google/Facebook refuse an item without an image or a page).
    image_url = models.URLField(_("ảnh sản phẩm (URL)"), max_length=500, blank=True)
    web_url = models.URLField(
        _("trang sản phẩm trên website"),
        max_length=500,
        blank=True,
        help_text=_("Để trống: dùng trang sản phẩm công khai của hệ thống."),
    )
    is_active = models.BooleanField(_("đang bán"), default=True)
    # Bumped on every change of what a channel shows (name, description, brand…): listings
    # compare it with the version they last pushed.
    content_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sản phẩm")
        verbose_name_plural = _("sản phẩm")

    def __str__(self) -> str:
        return self.name


class SKU(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus", verbose_name=_("sản phẩm"))
    code = models.CharField(_("mã SKU"), max_length=64, unique=True)
    barcode = models.CharField(_("mã vạch"), max_length=64, blank=True, db_index=True)
    options = models.JSONField(_("thuộc tính"), default=dict, blank=True)
    base_price = MoneyField(_("giá gốc (₫)"))
    is_active = models.BooleanField(_("đang bán"), default=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKU")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(base_price__gte=0),
                name="sku_base_price_gte_0",
                violation_error_message=_("Giá bán không thể âm."),
            )
        ]

    def __str__(self) -> str:
        return self.code


class Stock(models.Model):
    """On hand and reserved units of one SKU at one location (a store or a warehouse).

    The database guarantees neither goes negative and reserved never exceeds on hand, so two
    orders racing for the last unit cannot both win (see services.stock_reserve).
    """

    sku = models.ForeignKey(
        SKU, on_delete=models.CASCADE, related_name="stock", verbose_name=_("SKU"), db_index=False
    )  # the unique (sku, location) index serves it
    location = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="stock", verbose_name=_("kho/cửa hàng"))
    on_hand = models.IntegerField(_("tồn thực tế"), default=0)
    reserved = models.IntegerField(_("đang giữ"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tồn kho")
        verbose_name_plural = _("tồn kho")
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "location"],
                name="stock_unique_sku_location",
                violation_error_message=_("Mã hàng này đã có dòng tồn kho tại kho/cửa hàng này."),
            ),
            models.CheckConstraint(
                condition=models.Q(on_hand__gte=0),
                name="stock_on_hand_gte_0",
                violation_error_message=_("Số lượng tồn không thể âm."),
            ),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0),
                name="stock_reserved_gte_0",
                violation_error_message=_("Số lượng đang giữ không thể âm."),
            ),
            models.CheckConstraint(
                condition=models.Q(reserved__lte=models.F("on_hand")),
                name="stock_reserved_lte_on_hand",
                violation_error_message=_("Số lượng đang giữ không thể vượt quá số lượng tồn."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.location_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """The stock ledger: every change of on hand or reserved is one row (audit and rebuild)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Nhập kho")
        SALE = "sale", _("Bán hàng")
        ADJUSTMENT = "adjustment", _("Điều chỉnh")
        TRANSFER = "transfer", _("Chuyển kho")
        RESERVATION = "reservation", _("Giữ hàng")
        RELEASE = "release", _("Trả giữ hàng")
        RETURN = "return", _("Khách trả hàng")

    sku = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="movements")
    location = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    on_hand_delta = models.IntegerField(_("thay đổi tồn"), default=0)
    reserved_delta = models.IntegerField(_("thay đổi giữ"), default=0)
    order = models.ForeignKey("Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="movements")
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("biến động kho")
        verbose_name_plural = _("biến động kho")
        indexes = [models.Index(fields=["sku", "location", "created_at"], name="stockmove_sku_loc_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.sku_id}@{self.location_id} {self.on_hand_delta:+}/{self.reserved_delta:+}"


class Listing(models.Model):
    """A SKU offered on one sales channel, with the values the channel should show.

    `price`/`published_quantity`/`content_version` are what we want the channel to show;
    `synced_*` what the channel last accepted. A listing is pending exactly when they differ
    (or it was never pushed) — services.listings_refresh keeps that true set-based.
    """

    class SyncState(models.TextChoices):
        # The channel has no credentials (or takes no catalogue): nothing is sent, never "in sync".
        NOT_CONFIGURED = "not_configured", _("Chưa cấu hình")
        PENDING = "pending", _("Chờ đồng bộ")
        # Only after the channel acknowledged exactly the price/stock/content we hold now.
        IN_SYNC = "in_sync", _("Đã đồng bộ")
        FAILED = "failed", _("Lỗi")
        # The channel is switched off: changes wait until it is back.
        PAUSED = "paused", _("Tạm dừng")

    # No separate FK indexes: the unique (sku, channel) and the (channel, state, next) indexes
    # serve those lookups, and every index costs on each of the 500k rows a price change rewrites.
    sku = models.ForeignKey(
        SKU, on_delete=models.CASCADE, related_name="listings", verbose_name=_("SKU"), db_index=False
    )
    channel = models.ForeignKey(
        SalesChannel, on_delete=models.CASCADE, related_name="listings", verbose_name=_("kênh"), db_index=False
    )
    external_id = models.CharField(_("mã trên kênh"), max_length=100, blank=True)
    external_parent_id = models.CharField(_("mã sản phẩm trên kênh"), max_length=100, blank=True)
    price_override = MoneyField(_("giá riêng (₫)"), null=True, blank=True)
    markup_percent = models.PositiveSmallIntegerField(_("cộng thêm (%)"), default=0)
    price_rounding = models.PositiveIntegerField(_("làm tròn lên (₫)"), default=1000)
    allocation_percent = models.PositiveSmallIntegerField(_("tỉ lệ phân bổ tồn (%)"), default=100)
    safety_buffer = models.PositiveIntegerField(_("tồn an toàn"), default=0)
    is_active = models.BooleanField(_("đang bán"), default=True)
    price = MoneyField(_("giá bán trên kênh (₫)"), default=0)
    published_quantity = models.IntegerField(_("số lượng công bố"), default=0)
    content_version = models.PositiveIntegerField(default=1)
    synced_price = MoneyField(null=True, blank=True)
    synced_quantity = models.IntegerField(null=True, blank=True)
    synced_content_version = models.PositiveIntegerField(null=True, blank=True)
    synced_active = models.BooleanField(null=True, blank=True)
    sync_state = models.CharField(
        _("trạng thái đồng bộ"), max_length=20, choices=SyncState.choices, default=SyncState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(_("đồng bộ lần cuối"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tin đăng trên kênh")
        verbose_name_plural = _("tin đăng trên kênh")
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "channel"],
                name="listing_unique_sku_channel",
                violation_error_message=_("Mã hàng này đã được đăng trên kênh này."),
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0),
                name="listing_price_gte_0",
                violation_error_message=_("Giá đăng trên kênh không thể âm."),
            ),
            models.CheckConstraint(
                condition=models.Q(allocation_percent__lte=100),
                name="listing_allocation_lte_100",
                violation_error_message=_("Tỉ lệ tồn kho dành cho kênh tối đa là 100%%."),
            ),
        ]
        # Deliberately no index on the sync columns (state, attempts, next attempt): a price change
        # rewrites hundreds of thousands of listings, and with none of the changed columns indexed
        # (and free room on each page, see migration 0004's fillfactor) PostgreSQL updates them
        # in place (HOT) without touching any index. The push walks (channel, id) instead.
        indexes = [models.Index(fields=["channel", "id"], name="listing_channel_id")]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.channel_id}"


class Order(models.Model):
    """An order from any channel, or a sale at a store counter. One per (channel, external id)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ xác nhận")
        CONFIRMED = "confirmed", _("Đã xác nhận")
        PACKED = "packed", _("Đã đóng gói")
        # Click & collect: picked at the store, waiting for the customer; then handed over.
        READY_FOR_PICKUP = "ready_for_pickup", _("Sẵn sàng chờ khách nhận")
        COLLECTED = "collected", _("Khách đã nhận tại cửa hàng")
        SHIPPED = "shipped", _("Đã giao vận chuyển")
        DELIVERED = "delivered", _("Đã giao")
        CANCELLED = "cancelled", _("Đã hủy")
        RETURNED = "returned", _("Đã trả hàng")

    class Fulfilment(models.TextChoices):
        SHIP = "ship", _("Giao hàng")
        PICKUP = "pickup", _("Nhận tại cửa hàng")
        IN_STORE = "in_store", _("Mua tại cửa hàng")

    class StockState(models.TextChoices):
        NONE = "none", _("Chưa giữ")
        RESERVED = "reserved", _("Đang giữ")
        COMMITTED = "committed", _("Đã xuất")
        RELEASED = "released", _("Đã trả giữ")

    number = models.CharField(_("số đơn"), max_length=20, unique=True)
    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="orders", verbose_name=_("kênh"))
    external_id = models.CharField(_("mã đơn trên kênh"), max_length=100, blank=True)
    store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.PROTECT, related_name="orders", verbose_name=_("cửa hàng")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        verbose_name=_("khách hàng"),
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.PENDING)
    fulfilment = models.CharField(_("hình thức"), max_length=10, choices=Fulfilment.choices, default=Fulfilment.SHIP)
    stock_state = models.CharField(max_length=10, choices=StockState.choices, default=StockState.NONE)
    subtotal = MoneyField(_("tạm tính (₫)"), default=0)
    discount_total = MoneyField(_("giảm giá (₫)"), default=0)
    total = MoneyField(_("tổng tiền (₫)"), default=0)
    placed_at = models.DateTimeField(_("thời điểm đặt"), db_index=True)
    source_updated_at = models.DateTimeField(_("cập nhật từ kênh lúc"), null=True, blank=True)
    is_held = models.BooleanField(_("chờ kiểm tra"), default=False)
    hold_reason = models.CharField(_("lý do giữ"), max_length=300, blank=True)
    reference = models.CharField(_("tham chiếu"), max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    buyer = models.JSONField(_("người mua"), default=dict, blank=True)
    # Click & collect: the code the customer shows at the counter (set when the order is ready).
    pickup_code = models.CharField(_("mã nhận hàng"), max_length=12, blank=True)
    ready_at = models.DateTimeField(_("sẵn sàng lúc"), null=True, blank=True)
    collected_at = models.DateTimeField(_("khách nhận lúc"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("đơn hàng")
        verbose_name_plural = _("đơn hàng")
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="order_unique_channel_external_id",
                violation_error_message=_("Kênh này đã có một đơn với mã đơn trên kênh này."),
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="order_unique_idempotency_key",
                violation_error_message=_("Đơn này đã được ghi nhận (trùng khóa chống gửi lặp)."),
            ),
            models.CheckConstraint(
                condition=models.Q(total__gte=0),
                name="order_total_gte_0",
                violation_error_message=_("Tổng tiền của đơn không thể âm."),
            ),
            # A pickup code answers one order: the counter looks orders up by it.
            models.UniqueConstraint(
                fields=["pickup_code"],
                condition=~models.Q(pickup_code=""),
                name="order_unique_pickup_code",
                violation_error_message=_("Mã nhận hàng này đã thuộc về một đơn khác."),
            ),
        ]
        indexes = [
            models.Index(fields=["channel", "status", "placed_at"], name="order_chan_status_at"),
            models.Index(fields=["customer", "placed_at"], name="order_customer_at"),
            models.Index(fields=["external_id"], name="order_external_id"),
            # `order_find` matches our number case-insensitively (UPPER(number) = UPPER(q)):
            # without this the unique index on `number` is useless and every lookup scans.
            models.Index(Upper("number"), name="order_number_upper"),
            # The store's pickup task list: its open pickup orders by status.
            models.Index(
                fields=["store", "status", "placed_at"],
                condition=models.Q(fulfilment="pickup"),
                name="order_pickup_store_status",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(SKU, null=True, blank=True, on_delete=models.PROTECT, related_name="order_lines")
    sku_code = models.CharField(_("mã SKU"), max_length=64)
    name = models.CharField(_("tên"), max_length=300, blank=True)
    quantity = models.PositiveIntegerField(_("số lượng"))
    unit_price = MoneyField(_("đơn giá (₫)"))
    line_total = MoneyField(_("thành tiền (₫)"))
    location = models.ForeignKey(Store, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("dòng đơn hàng")
        verbose_name_plural = _("dòng đơn hàng")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0),
                name="orderline_quantity_gt_0",
                violation_error_message=_("Số lượng mỗi dòng hàng phải lớn hơn 0."),
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0),
                name="orderline_unit_price_gte_0",
                violation_error_message=_("Đơn giá không thể âm."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_code} × {self.quantity}"


class OrderReturn(models.Model):
    """Goods of an order brought back, at any store: where they went and in what state."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns", verbose_name=_("đơn hàng"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="returns", verbose_name=_("cửa hàng nhận"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    class Meta:
        verbose_name = _("phiếu trả hàng")
        verbose_name_plural = _("phiếu trả hàng")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.order_id}@{self.store_id}"


class OrderReturnLine(models.Model):
    class Condition(models.TextChoices):
        SELLABLE = "sellable", _("Bán lại được")
        DAMAGED = "damaged", _("Hư hỏng")

    order_return = models.ForeignKey(OrderReturn, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("số lượng"))
    condition = models.CharField(_("tình trạng"), max_length=10, choices=Condition.choices)

    class Meta:
        verbose_name = _("dòng trả hàng")
        verbose_name_plural = _("dòng trả hàng")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0),
                name="returnline_quantity_gt_0",
                violation_error_message=_("Số lượng trả phải lớn hơn 0."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity} ({self.condition})"


class InboundEvent(models.Model):
    """A raw webhook delivery, stored before anything else so it is acknowledged at once.

    Unique on (channel, shop, event id): a platform's retries land on the same row.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", _("Đã nhận")
        PROCESSED = "processed", _("Đã xử lý")
        FAILED = "failed", _("Lỗi")

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="inbound_events")
    shop_id = models.CharField(max_length=100, blank=True)
    event_id = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sự kiện từ kênh")
        verbose_name_plural = _("sự kiện từ kênh")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "shop_id", "event_id"],
                name="inbound_unique_event",
                violation_error_message=_("Sự kiện này từ kênh đã được nhận trước đó."),
            ),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_status_at")]

    def __str__(self) -> str:
        return f"{self.channel_id}/{self.shop_id}/{self.event_id}"


class OrderBackfill(models.Model):
    """Where a channel's order backfill stands: orders updated up to `watermark` were pulled.

    A run claims the row with a lease (`leased_until`, a conditional UPDATE) so two workers
    never pull the same window; a failed run leaves the watermark where it was.
    """

    channel = models.OneToOneField(
        SalesChannel, on_delete=models.CASCADE, related_name="backfill", verbose_name=_("kênh")
    )
    watermark = models.DateTimeField(_("đã lấy đơn cập nhật đến"), null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(_("chạy lần cuối"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    orders_seen = models.PositiveIntegerField(_("số đơn đã xem"), default=0)
    orders_created = models.PositiveIntegerField(_("số đơn bổ sung"), default=0)

    class Meta:
        verbose_name = _("lấy bù đơn hàng")
        verbose_name_plural = _("lấy bù đơn hàng")

    def __str__(self) -> str:
        return f"{self.channel_id} ≤ {self.watermark}"


class CheckIn(models.Model):
    """An offline action: a customer showed up at a store (QR scan, Wi-Fi login, POS, consultation)."""

    class Method(models.TextChoices):
        QR = "qr", _("Quét mã QR")
        WIFI = "wifi", _("Đăng nhập Wi-Fi")
        POS = "pos", _("Nhận diện tại quầy")
        PICKUP = "pickup", _("Nhận hàng đặt trực tuyến")
        CONSULTATION = "consultation", _("Tư vấn")

    # Null while the visitor has not confirmed their phone (public QR page): the visit counts,
    # but no profile is created or enriched until the one-time code comes back.
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checkins",
        verbose_name=_("khách hàng"),
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("cửa hàng"))
    method = models.CharField(_("cách thức"), max_length=15, choices=Method.choices)
    occurred_at = models.DateTimeField(_("thời điểm"), db_index=True)
    campaign_id = models.PositiveBigIntegerField(_("chiến dịch"), null=True, blank=True)
    utm = models.JSONField(_("UTM"), default=dict, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    confirmed_at = models.DateTimeField(_("khách xác nhận số lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt ghé cửa hàng")
        verbose_name_plural = _("lượt ghé cửa hàng")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["store", "occurred_at"], name="checkin_store_at")]

    def __str__(self) -> str:
        return f"{self.customer_id}@{self.store_id} {self.method}"


class ChannelGoal(models.Model):
    """A channel's goal for one month (SMART: a number, a channel, a month)."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="goals", verbose_name=_("kênh"))
    month = models.DateField(_("tháng"), help_text=_("Ngày đầu tháng"))
    revenue_target = MoneyField(_("doanh thu mục tiêu (₫)"), default=0)
    orders_target = models.PositiveIntegerField(_("số đơn mục tiêu"), default=0)
    new_customers_target = models.PositiveIntegerField(_("khách mới mục tiêu"), default=0)

    class Meta:
        verbose_name = _("mục tiêu kênh")
        verbose_name_plural = _("mục tiêu kênh")
        ordering = ["channel", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "month"],
                name="goal_unique_channel_month",
                violation_error_message=_("Kênh này đã có mục tiêu cho tháng này."),
            ),
            models.CheckConstraint(
                condition=models.Q(month__day=1),
                name="goal_month_first_day",
                violation_error_message=_("Tháng của mục tiêu phải ghi bằng ngày đầu tháng."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.month:%Y-%m}"
