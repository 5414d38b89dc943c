"""Input and output serializers of the channels API (thin: shapes only, no rules)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import SKU, CheckIn, Listing, Order, OrderReturnLine, Product, SalesChannel, Stock, Store


class StoreOut(serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = ["id", "code", "name", "address", "province", "district", "opening_hours", "is_warehouse", "is_active"]


class ChannelOut(serializers.ModelSerializer):
    class Meta:
        model = SalesChannel
        fields = ["id", "code", "name", "kind", "is_online", "is_active"]


class SkuOut(serializers.ModelSerializer):
    price = serializers.IntegerField(source="base_price")

    class Meta:
        model = SKU
        fields = ["id", "code", "barcode", "options", "price", "is_active", "product_id"]


class ProductOut(serializers.ModelSerializer):
    skus = SkuOut(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "description",
            "brand",
            "category",
            "launch_date",
            "image_url",
            "web_url",
            "is_active",
            "skus",
        ]


class SkuIn(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    price = serializers.IntegerField(min_value=0)
    options = serializers.DictField(required=False, default=dict)

    def validate_options(self, value: dict) -> dict:
        # PostgreSQL's jsonb refuses a NUL character (\u0000) anywhere: say so instead of a 500.
        # Options are a flat list of attributes ("màu": "đen"), so nesting is refused as well.
        for key, item in value.items():
            if isinstance(item, dict | list):
                raise serializers.ValidationError(_("Thuộc tính là cặp tên – giá trị, không lồng nhau."))
            if "\x00" in str(key) or (isinstance(item, str) and "\x00" in item) or len(str(key)) > 100:
                raise serializers.ValidationError(_("Thuộc tính chứa ký tự không hợp lệ."))
            if isinstance(item, str) and len(item) > 300:
                raise serializers.ValidationError(_("Giá trị thuộc tính tối đa 300 ký tự."))
        return value


class ProductIn(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    brand = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    launch_date = serializers.DateField(required=False, allow_null=True, default=None)
    image_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    web_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    skus = SkuIn(many=True, allow_empty=False)
    channels = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, default=list, max_length=50
    )


class StockOut(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    location = serializers.CharField(source="location.code")
    location_name = serializers.CharField(source="location.name")
    available = serializers.IntegerField(read_only=True)

    class Meta:
        model = Stock
        fields = ["sku", "location", "location_name", "on_hand", "reserved", "available"]


class StockReceiveIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    location = serializers.CharField(max_length=32)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class StockAdjustIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    location = serializers.CharField(max_length=32)
    delta = serializers.IntegerField(min_value=-1_000_000, max_value=1_000_000)
    note = serializers.CharField(max_length=300)


class StockTransferIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    source = serializers.CharField(max_length=32)
    target = serializers.CharField(max_length=32)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


class ListingOut(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    channel = serializers.CharField(source="channel.code")
    # As selectors.listing_list annotates it: never "in_sync" on a channel without credentials.
    sync_state = serializers.ChoiceField(source="state", choices=Listing.SyncState.choices, read_only=True)

    class Meta:
        model = Listing
        fields = [
            "id",
            "sku",
            "channel",
            "external_id",
            "price",
            "price_override",
            "markup_percent",
            "published_quantity",
            "allocation_percent",
            "safety_buffer",
            "is_active",
            "sync_state",
            "attempts",
            "last_error",
            "last_synced_at",
        ]


class ListingIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    channel = serializers.CharField(max_length=32)
    price_override = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    markup_percent = serializers.IntegerField(min_value=0, max_value=500, required=False, allow_null=True, default=None)
    allocation_percent = serializers.IntegerField(min_value=0, max_value=100, required=False, default=100)
    safety_buffer = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ListingPriceIn(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=100_000)
    price_override = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    markup_percent = serializers.IntegerField(min_value=0, max_value=500, required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if attrs["price_override"] is None and attrs["markup_percent"] is None:
            raise serializers.ValidationError(_("Nhập giá riêng hoặc phần trăm cộng thêm."))
        return attrs


class OrderLineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    unit_price = serializers.IntegerField(min_value=0)
    name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ChannelOrderIn(serializers.Serializer):
    external_id = serializers.CharField(max_length=100)
    status = serializers.ChoiceField(choices=Order.Status.choices, default=Order.Status.PENDING)
    placed_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    updated_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    customer = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200), required=False, default=dict
    )
    store = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True, default="")
    fulfilment = serializers.ChoiceField(
        choices=Order.Fulfilment.choices, required=False, allow_null=True, default=None
    )
    lines = OrderLineIn(many=True, allow_empty=False)
    total = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)


class OrderLineOut(serializers.Serializer):
    sku = serializers.CharField(source="sku_code")
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.IntegerField()
    line_total = serializers.IntegerField()


class OrderOut(serializers.ModelSerializer):
    channel = serializers.CharField(source="channel.code")
    store = serializers.SerializerMethodField()
    customer = serializers.IntegerField(source="customer_id", allow_null=True)
    lines = OrderLineOut(many=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "channel",
            "external_id",
            "store",
            "customer",
            "status",
            "fulfilment",
            "subtotal",
            "discount_total",
            "total",
            "placed_at",
            "updated_at",
            "is_held",
            "hold_reason",
            "pickup_code",
            "ready_at",
            "collected_at",
            "lines",
        ]

    def get_store(self, order) -> str | None:
        return order.store.code if order.store_id else None


class PickupCollectIn(serializers.Serializer):
    store = serializers.CharField(max_length=32)
    code = serializers.CharField(max_length=40)


class OrderStatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=Order.Status.choices)


class CheckInOut(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code")
    customer = serializers.IntegerField(source="customer_id")

    class Meta:
        model = CheckIn
        fields = ["id", "customer", "store", "method", "occurred_at", "campaign_id", "utm", "note"]


class CheckInIn(serializers.Serializer):
    store = serializers.CharField(max_length=32)
    method = serializers.ChoiceField(choices=CheckIn.Method.choices)
    phone = serializers.CharField(max_length=30)
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    campaign_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    utm = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False, default=dict
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ReturnLineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    condition = serializers.ChoiceField(choices=OrderReturnLine.Condition.choices, default="sellable")


class OrderReturnIn(serializers.Serializer):
    store = serializers.CharField(max_length=32)
    lines = ReturnLineIn(many=True, allow_empty=False, max_length=500)


class ReturnLineOut(serializers.Serializer):
    sku = serializers.CharField(source="sku.code")
    quantity = serializers.IntegerField()
    condition = serializers.CharField()


class OrderReturnOut(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.CharField(source="store.code")
    created_at = serializers.DateTimeField()
    lines = ReturnLineOut(many=True)
    order = OrderOut()
