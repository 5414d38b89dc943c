from django.conf import settings
from django.db import models
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

    class Meta:
        verbose_name = _("kênh bán")
        verbose_name_plural = _("kênh bán")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(_("tên"), max_length=300)
    description = models.TextField(_("mô tả"), blank=True)
    brand = models.CharField(_("thương hiệu"), max_length=100, blank=True)
    category = models.CharField(_("danh mục"), max_length=100, blank=True)
    launch_date = models.DateField(_("ngày ra mắt"), null=True, blank=True)
    is_active = models.BooleanField(_("đang bán"), default=True)
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
        constraints = [models.CheckConstraint(condition=models.Q(base_price__gte=0), name="sku_base_price_gte_0")]

    def __str__(self) -> str:
        return self.code
