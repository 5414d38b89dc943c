"""Back-office CRUD for campaigns, vouchers, promotions and budget plans.

Writes that carry rules (creating a voucher, its code) go through services; the admin only
renders forms and lists.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from o2o_site.api import DomainError

from . import services
from .models import (
    AuditEntry,
    BudgetPlan,
    Campaign,
    CampaignSpend,
    Promotion,
    Redemption,
    UpsellRule,
    Voucher,
    VoucherBatch,
)


class SpendInline(admin.TabularInline):
    model = CampaignSpend
    extra = 1


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "journey_stage",
        "budget",
        "starts_on",
        "ends_on",
    ]
    list_filter = ["journey_stage", "channel"]
    search_fields = ["name", "utm_campaign", "utm_source"]
    inlines = [SpendInline]


@admin.register(BudgetPlan)
class BudgetPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "total_budget"]


class VoucherAdminForm(forms.ModelForm):
    class Meta:
        model = Voucher
        fields = [
            "code",
            "status",
            "customer",
            "campaign",
            "discount_type",
            "discount_value",
            "max_discount",
            "gift_sku",
            "min_basket",
            "valid_from",
            "valid_to",
            "weekdays",
            "time_from",
            "time_to",
            "store_only",
            "stores",
            "usage_limit",
            "per_customer_limit",
            "combinable",
            "source",
        ]

    def clean(self):
        data = super().clean()
        instance = self.instance
        if self.errors:
            return data
        try:
            services.voucher_terms_check(
                discount_type=data.get("discount_type", instance.discount_type),
                discount_value=data.get("discount_value", instance.discount_value) or 0,
                max_discount=data.get("max_discount"),
                min_basket=data.get("min_basket") or 0,
                gift_sku=data.get("gift_sku"),
                valid_from=data.get("valid_from") or instance.valid_from,
                valid_to=data.get("valid_to") or instance.valid_to,
                usage_limit=data.get("usage_limit") or 1,
                customer=data.get("customer") if not instance.pk else instance.customer,
            )
        except DomainError as exc:
            raise forms.ValidationError({k: v for k, v in exc.fields.items() if k in self.fields} or exc.message)
        return data


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    form = VoucherAdminForm
    list_display = [
        "code",
        "kind",
        "status",
        "discount_type",
        "discount_value",
        "valid_to",
        "used_count",
        "usage_limit",
        "store_only",
    ]
    list_filter = ["kind", "status", "discount_type", "store_only", "campaign"]
    search_fields = ["code", "customer__full_name"]
    raw_id_fields = ["customer", "gift_sku"]
    filter_horizontal = ["stores"]
    readonly_fields = ["used_count", "kind", "created_by", "created_at"]
    fields = [
        "code",
        "kind",
        "status",
        "customer",
        "campaign",
        "discount_type",
        "discount_value",
        "max_discount",
        "gift_sku",
        "min_basket",
        "valid_from",
        "valid_to",
        "weekdays",
        "time_from",
        "time_to",
        "store_only",
        "stores",
        "usage_limit",
        "per_customer_limit",
        "combinable",
        "source",
        "used_count",
        "created_by",
        "created_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "code", "customer"] if obj else self.readonly_fields

    def get_changeform_initial_data(self, request):
        from .codes import generate_code

        return {"code": generate_code()}

    def save_model(self, request, obj, form, change):
        try:
            if change:
                services.voucher_update(
                    voucher=obj, **{f: form.cleaned_data[f] for f in form.changed_data if f != "stores"}
                )
            else:
                data = {k: v for k, v in form.cleaned_data.items() if k not in ("stores", "status")}
                created = services.voucher_create(**data, created_by=request.user)
                obj.pk = created.pk
                obj.refresh_from_db()
        except DomainError as exc:  # a race with another admin (code taken): say it, keep the page
            messages.error(request, f"{exc.message} {exc.fields or ''}")

    def save_related(self, request, form, formsets, change):
        if form.instance.pk is not None:
            form.instance.stores.set(form.cleaned_data.get("stores") or [])


class CategoriesField(forms.CharField):
    """Category names separated by commas (“Phụ kiện, Gia dụng”) ↔ the JSON list stored."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]


class PromotionAdminForm(forms.ModelForm):
    categories = CategoriesField(
        label=_("Danh mục áp dụng"),
        required=False,
        max_length=2000,
        help_text=_("Tên danh mục sản phẩm, cách nhau bởi dấu phẩy, ví dụ “Phụ kiện”; cộng với các sản phẩm đã chọn."),
    )

    class Meta:
        model = Promotion
        fields = [
            "name",
            "kind",
            "is_active",
            "campaign",
            "percent",
            "amount",
            "max_discount",
            "threshold",
            "buy_quantity",
            "free_quantity",
            "skus",
            "categories",
            "stores",
            "channels",
            "store_only",
            "online_only",
            "segment_codes",
            "priority",
            "combination",
            "valid_from",
            "valid_to",
            "weekdays",
            "time_from",
            "time_to",
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        fields = {
            f.name: data.get(f.name, getattr(self.instance, f.name, None)) for f in Promotion._meta.concrete_fields
        }
        try:
            services.promotion_terms_check(fields=fields, has_skus=bool(data.get("skus")))
        except DomainError as exc:
            raise forms.ValidationError({k: v for k, v in exc.fields.items() if k in self.fields} or exc.message)
        return data


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    form = PromotionAdminForm
    list_display = [
        "name",
        "kind",
        "is_active",
        "priority",
        "combination",
        "valid_from",
        "valid_to",
        "time_from",
        "time_to",
    ]
    list_filter = ["kind", "is_active", "combination"]
    search_fields = ["name"]
    filter_horizontal = ["stores", "channels"]
    raw_id_fields = ["skus"]


@admin.register(UpsellRule)
class UpsellRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "suggested_sku", "is_active"]
    raw_id_fields = ["trigger_skus", "suggested_sku"]


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ["voucher", "status", "store", "cashier", "customer", "discount", "total", "redeemed_at"]
    list_filter = ["status", "store"]
    search_fields = ["voucher__code", "order_ref"]
    list_select_related = ["voucher", "store", "cashier", "customer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "ip", "redemption"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VoucherBatch)
class VoucherBatchAdmin(admin.ModelAdmin):
    list_display = ["pk", "campaign", "segment_code", "status", "total", "issued", "messaged", "skipped", "created_at"]
    readonly_fields = [f.name for f in VoucherBatch._meta.fields]

    def has_add_permission(self, request):
        return False
