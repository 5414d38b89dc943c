"""Back-office CRUD. Writes that carry rules (prices, stock, listings) go through services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import F
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from o2o_site.api import DomainError

from . import services
from .models import (
    SKU,
    ChannelGoal,
    ChannelLocation,
    CheckIn,
    InboundEvent,
    Listing,
    Order,
    OrderLine,
    Product,
    SalesChannel,
    Stock,
    StockMovement,
    Store,
)


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province", "district", "is_warehouse", "is_active", "qr_link"]
    list_filter = ["province", "is_warehouse", "is_active"]
    search_fields = ["code", "name", "address"]
    filter_horizontal = ["staff"]

    @admin.display(description=_("Mã QR"))
    def qr_link(self, obj):
        if obj.is_warehouse:
            return "—"
        return format_html(
            '<a href="{}" target="_blank">{}</a>', reverse("channels:store-qr", args=[obj.code]), _("In mã QR")
        )


class ChannelLocationInline(admin.TabularInline):
    model = ChannelLocation
    extra = 0
    fields = ["location", "position"]
    verbose_name_plural = _("Kho xuất hàng (kênh chỉ công bố và giữ hàng ở các kho này, theo thứ tự)")


@admin.register(SalesChannel)
class SalesChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "is_online", "is_active"]
    list_filter = ["kind", "is_online", "is_active"]
    search_fields = ["code", "name"]
    inlines = [ChannelLocationInline]

    def save_related(self, request, form, formsets, change):
        # The inline rows are written through the service so the channel's listings republish.
        super().save_related(request, form, formsets, change)
        channel = form.instance
        rows = ChannelLocation.objects.filter(channel=channel).select_related("location").order_by("position", "pk")
        try:
            services.channel_locations_set(channel=channel, locations=[row.location for row in rows])
        except DomainError as exc:
            messages.error(request, exc.message + " " + " ".join(str(e) for errs in exc.fields.values() for e in errs))


class SkuInline(admin.TabularInline):
    model = SKU
    extra = 0
    fields = ["code", "barcode", "base_price", "options", "is_active"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "category", "launch_date", "is_active"]
    list_filter = ["brand", "category", "is_active"]
    search_fields = ["name", "skus__code", "skus__barcode"]
    date_hierarchy = "launch_date"
    inlines = [SkuInline]
    readonly_fields = ["content_version"]

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Changing what channels show bumps the version so listings go out again.
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        fresh = Product.objects.get(pk=obj.pk)
        services.product_update(product=fresh, **fields)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for sku in instances:
            if sku.pk:
                old_price = SKU.objects.filter(pk=sku.pk).values_list("base_price", flat=True).first()
                new_price = sku.base_price
                sku.base_price = old_price
                sku.save()
                if old_price != new_price:
                    services.sku_prices_change(skus=SKU.objects.filter(pk=sku.pk), price=new_price)
            else:
                sku.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(SKU)
class SKUAdmin(admin.ModelAdmin):
    list_display = ["code", "product", "barcode", "base_price", "is_active"]
    list_filter = ["is_active", "product__brand", "product__category"]
    search_fields = ["code", "barcode", "product__name"]
    list_select_related = ["product"]
    autocomplete_fields = ["product"]

    def save_model(self, request, obj, form, change):
        if change and "base_price" in form.changed_data:
            new_price = obj.base_price
            obj.base_price = SKU.objects.get(pk=obj.pk).base_price
            super().save_model(request, obj, form, change)
            services.sku_prices_change(skus=SKU.objects.filter(pk=obj.pk), price=new_price)
        else:
            super().save_model(request, obj, form, change)


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    """Stock by location, read-only: receipts, adjustments and transfers go through the ledger."""

    list_display = ["sku", "location", "on_hand", "reserved", "available_units", "updated_at"]
    list_filter = ["location"]
    search_fields = ["sku__code", "sku__barcode", "sku__product__name"]
    list_select_related = ["sku", "location"]

    @admin.display(description=_("Có thể bán"), ordering=F("on_hand") - F("reserved"))
    def available_units(self, obj):
        return obj.on_hand - obj.reserved

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "sku", "location", "on_hand_delta", "reserved_delta", "order", "created_by"]
    list_filter = ["kind", "location"]
    search_fields = ["sku__code", "order__number", "note"]
    list_select_related = ["sku", "location", "order", "created_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ListingPriceForm(forms.Form):
    price_override = forms.IntegerField(label=_("Giá riêng (₫)"), min_value=0, required=False)
    markup_percent = forms.IntegerField(
        label=_("Hoặc: giá gốc cộng thêm (%)"), min_value=0, max_value=500, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("price_override") is None and data.get("markup_percent") is None:
            raise forms.ValidationError(_("Nhập giá riêng hoặc phần trăm cộng thêm."))
        return data


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = [
        "sku",
        "channel",
        "price",
        "published_quantity",
        "is_active",
        "sync_state",
        "attempts",
        "last_synced_at",
    ]
    list_filter = ["channel", "sync_state", "is_active"]
    search_fields = ["sku__code", "external_id", "sku__product__name"]
    list_select_related = ["sku", "channel"]
    autocomplete_fields = ["sku"]
    actions = ["change_price", "retry_sync"]
    readonly_fields = [
        "price",
        "published_quantity",
        "sync_state",
        "attempts",
        "last_error",
        "last_synced_at",
        "synced_price",
        "synced_quantity",
    ]
    fields = [
        "sku",
        "channel",
        "external_id",
        "external_parent_id",
        "price_override",
        "markup_percent",
        "price_rounding",
        "allocation_percent",
        "safety_buffer",
        "is_active",
        *readonly_fields,
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.listings_refresh(listings=Listing.objects.filter(pk=obj.pk))

    @admin.action(description=_("Đổi giá hàng loạt"))
    def change_price(self, request, queryset):
        form = ListingPriceForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                pending = services.listings_price_set(
                    listings=queryset,
                    price_override=form.cleaned_data["price_override"],
                    markup_percent=form.cleaned_data["markup_percent"]
                    if form.cleaned_data["price_override"] is None
                    else None,
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            self.message_user(request, _("Đã đổi giá; %(n)s tin đăng chờ đồng bộ.") % {"n": pending}, messages.SUCCESS)
            return None
        return render(
            request,
            "channels/admin/listing_price.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Đổi giá hàng loạt"),
                "form": form,
                "queryset": queryset,
                "count": queryset.count(),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Đồng bộ lại các tin lỗi"))
    def retry_sync(self, request, queryset):
        total = 0
        for channel in SalesChannel.objects.filter(pk__in=queryset.values("channel_id")):
            total += services.listings_retry(channel=channel, listing_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(n)s tin đăng được thử lại.") % {"n": total}, messages.SUCCESS)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["sku_code", "name", "quantity", "unit_price", "line_total", "location"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "channel", "external_id", "store", "status", "total", "is_held", "placed_at"]
    list_filter = ["channel", "status", "store", "is_held", "fulfilment"]
    search_fields = ["number", "external_id", "reference"]
    list_select_related = ["channel", "store"]
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline]
    readonly_fields = [f.name for f in Order._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "channel", "shop_id", "event_id", "status", "attempts"]
    list_filter = ["channel", "status"]
    search_fields = ["event_id"]
    readonly_fields = [f.name for f in InboundEvent._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "store", "method", "customer", "campaign_id"]
    list_filter = ["store", "method"]
    list_select_related = ["store", "customer"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["customer"]
    readonly_fields = [f.name for f in CheckIn._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ChannelGoal)
class ChannelGoalAdmin(admin.ModelAdmin):
    list_display = ["channel", "month", "revenue_target", "orders_target", "new_customers_target"]
    list_filter = ["channel"]
    date_hierarchy = "month"
