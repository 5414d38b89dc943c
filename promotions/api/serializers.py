"""Input and output serializers of the promotions API. They parse and render; they never write."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import BudgetPlan, Campaign, CampaignSpend, Promotion, Redemption, Voucher, VoucherBatch


class PlaceInput(serializers.Serializer):
    store = serializers.CharField(required=False, allow_blank=True, max_length=32)
    channel = serializers.CharField(required=False, allow_blank=True, max_length=32)
    customer = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class QuoteInput(PlaceInput):
    basket = serializers.JSONField(required=False)
    lines = serializers.JSONField(required=False)
    total = serializers.JSONField(required=False)
    trade_in = serializers.BooleanField(required=False, default=False)
    codes = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False, max_length=10
    )
    at = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        if attrs.get("basket") is None:
            basket = {k: attrs[k] for k in ("lines", "total") if k in attrs}
            if attrs.get("trade_in"):
                basket["trade_in"] = True
            attrs["basket"] = basket
        return attrs


class VoucherCheckInput(PlaceInput):
    code = serializers.CharField(max_length=200)
    basket = serializers.JSONField()
    order_ref = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")


class VoidInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class RedemptionOutput(serializers.ModelSerializer):
    code = serializers.CharField(source="voucher.code")
    store = serializers.CharField(source="store.code", default=None)
    channel = serializers.CharField(source="channel_code")
    cashier = serializers.CharField(source="cashier.username")
    order = serializers.CharField(source="order.number", default=None, allow_null=True)

    class Meta:
        model = Redemption
        fields = [
            "id",
            "code",
            "voucher",
            "status",
            "store",
            "channel",
            "cashier",
            "customer",
            "campaign",
            "order_ref",
            "order",
            "basket_source",
            "basket_total",
            "discount",
            "total",
            "redeemed_at",
            "voided_at",
            "void_reason",
        ]


class StoreCodesField(serializers.ListField):
    child = serializers.CharField(max_length=32)


class VoucherOutput(serializers.ModelSerializer):
    stores = serializers.SerializerMethodField()
    gift_sku = serializers.CharField(source="gift_sku.code", default=None)
    short_link = serializers.SerializerMethodField()
    qr_url = serializers.SerializerMethodField()

    class Meta:
        model = Voucher
        fields = [
            "id",
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
            "used_count",
            "combinable",
            "source",
            "short_link",
            "qr_url",
            "created_at",
        ]

    def get_stores(self, obj) -> list[str]:
        return [s.code for s in obj.stores.all()]

    def get_short_link(self, obj) -> str:
        from ..services import voucher_short_link

        return voucher_short_link(obj)

    def get_qr_url(self, obj) -> str:
        return f"/v/{obj.code}/qr.svg"


class VoucherInput(serializers.Serializer):
    code = serializers.CharField(required=False, allow_blank=True, max_length=32)
    discount_type = serializers.ChoiceField(choices=Voucher.DiscountType.choices)
    discount_value = serializers.IntegerField(min_value=0, max_value=2_000_000_000, default=0)
    max_discount = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10_000_000_000)
    min_basket = serializers.IntegerField(required=False, min_value=0, max_value=10_000_000_000, default=0)
    gift_sku = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=64)
    valid_from = serializers.DateTimeField(required=False)
    valid_to = serializers.DateTimeField(required=False)
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), required=False)
    time_from = serializers.TimeField(required=False, allow_null=True)
    time_to = serializers.TimeField(required=False, allow_null=True)
    store_only = serializers.BooleanField(required=False, default=True)
    stores = StoreCodesField(required=False)
    customer = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    usage_limit = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10_000_000)
    per_customer_limit = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1000)
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all(), required=False, allow_null=True)
    combinable = serializers.BooleanField(required=False, default=False)
    status = serializers.ChoiceField(choices=Voucher.Status.choices, required=False)


class CampaignSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)
    channel_code = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=32)
    spent = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "channel",
            "channel_code",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "journey_stage",
            "budget",
            "starts_on",
            "ends_on",
            "spent",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # Uniqueness is the service's business (it answers with the one error body).
        extra_kwargs = {"utm_campaign": {"validators": []}, "budget": {"min_value": 0}}


class SpendSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignSpend
        fields = ["id", "spent_on", "amount", "note", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"amount": {"min_value": 1}}


class PromotionSerializer(serializers.ModelSerializer):
    skus = serializers.ListField(child=serializers.CharField(max_length=64), required=False, write_only=True)
    stores = serializers.ListField(child=serializers.CharField(max_length=32), required=False, write_only=True)
    channels = serializers.ListField(child=serializers.CharField(max_length=32), required=False, write_only=True)
    weekdays = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), required=False)
    segment_codes = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    categories = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)

    class Meta:
        model = Promotion
        fields = [
            "id",
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
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["skus"] = [s.code for s in instance.skus.all()]
        data["stores"] = [s.code for s in instance.stores.all()]
        data["channels"] = [c.code for c in instance.channels.all()]
        return data


class BatchInput(serializers.Serializer):
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all(), required=False, allow_null=True)
    segment = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    customers = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=100_000)
    discount_type = serializers.ChoiceField(choices=Voucher.DiscountType.choices)
    discount_value = serializers.IntegerField(min_value=0, max_value=2_000_000_000, default=0)
    max_discount = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    min_basket = serializers.IntegerField(required=False, min_value=0, default=0)
    store_only = serializers.BooleanField(required=False, default=True)
    stores = StoreCodesField(required=False)
    valid_days = serializers.IntegerField(min_value=1, max_value=366, default=30)
    message_channel = serializers.ChoiceField(choices=["", "sms", "zns", "email"], required=False, default="")
    message_body = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class BatchOutput(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField(help_text="Where to follow the job's progress.")

    class Meta:
        model = VoucherBatch
        fields = [
            "id",
            "status_url",
            "campaign",
            "segment_code",
            "status",
            "total",
            "issued",
            "messaged",
            "skipped",
            "last_error",
            "created_at",
            "finished_at",
        ]

    def get_status_url(self, batch) -> str:
        return reverse("voucher-batch-detail", args=[batch.pk])


ERROR_HELP = _('Lỗi trả về theo dạng {"error": {"code", "message", "fields"}}.')


class BudgetPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetPlan
        fields = [
            "id",
            "name",
            "starts_on",
            "ends_on",
            "total_budget",
            "awareness_percent",
            "acquisition_percent",
            "conversion_percent",
            "retention_percent",
            "expansion_percent",
        ]
        extra_kwargs = {
            "total_budget": {"min_value": 0},
            **{
                f"{s}_percent": {"max_value": 100}
                for s in ("awareness", "acquisition", "conversion", "retention", "expansion")
            },
        }


_DATETIME = serializers.DateTimeField()


def redemption_body(redemption: Redemption) -> dict:
    """RedemptionOutput's shape, built directly: the redeem endpoint is the counter's hot path."""
    return {
        "id": redemption.pk,
        "code": redemption.voucher.code,
        "voucher": redemption.voucher_id,
        "status": redemption.status,
        "store": redemption.store.code if redemption.store_id else None,
        "channel": redemption.channel_code,
        "cashier": redemption.cashier.username,
        "customer": redemption.customer_id,
        "campaign": redemption.campaign_id,
        "order_ref": redemption.order_ref,
        "order": redemption.order.number if redemption.order_id else None,
        "basket_source": redemption.basket_source,
        "basket_total": redemption.basket_total,
        "discount": redemption.discount,
        "total": redemption.total,
        "redeemed_at": _DATETIME.to_representation(redemption.redeemed_at),
        "voided_at": _DATETIME.to_representation(redemption.voided_at) if redemption.voided_at else None,
        "void_reason": redemption.void_reason,
    }
