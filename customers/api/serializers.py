"""Input and output serializers of the customers API. Output serializers read prefetched attributes only."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from customers.models import (
    Activity,
    ConsentEvent,
    ContactChannel,
    ContactKind,
    MergeCandidate,
    MergeRecord,
    PointsEntry,
    Purpose,
)


def _contacts(customer) -> list:
    return getattr(customer, "live_contacts", None) or []


def _first(customer, kind: str) -> str:
    return next((c.value for c in _contacts(customer) if c.kind == kind), "")


class SegmentRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


def _segments(customer) -> list[dict]:
    return [
        {"code": m.segment.code, "name": m.segment.name} for m in getattr(customer, "current_memberships", None) or []
    ]


class CustomerListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    phone = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    lifecycle = serializers.CharField()
    preferred_store_code = serializers.CharField()
    order_count = serializers.IntegerField()
    lifetime_value = serializers.IntegerField()
    points_balance = serializers.IntegerField()
    last_purchase_at = serializers.DateTimeField(allow_null=True)
    segments = serializers.SerializerMethodField()

    def get_phone(self, customer) -> str:
        return _first(customer, ContactKind.PHONE)

    def get_email(self, customer) -> str:
        return _first(customer, ContactKind.EMAIL)

    def get_segments(self, customer) -> list[str]:
        return [s["code"] for s in _segments(customer)]


class ContactPointOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    value = serializers.CharField()
    unlisted = serializers.BooleanField()
    source = serializers.CharField()
    created_at = serializers.DateTimeField()


class ConsentStateOutputSerializer(serializers.Serializer):
    channel = serializers.CharField()
    purpose = serializers.CharField()
    granted = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class CustomerDetailOutputSerializer(CustomerListOutputSerializer):
    birthday = serializers.DateField(allow_null=True)
    gender = serializers.CharField()
    district = serializers.CharField()
    city = serializers.CharField()
    source = serializers.CharField()
    lead_score = serializers.IntegerField()
    first_purchase_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    erased = serializers.SerializerMethodField()
    contact_points = serializers.SerializerMethodField()
    consents = serializers.SerializerMethodField()
    segments = serializers.SerializerMethodField()

    def get_erased(self, customer) -> bool:
        return customer.is_erased

    def get_contact_points(self, customer) -> list[dict]:
        return ContactPointOutputSerializer(_contacts(customer), many=True).data

    def get_consents(self, customer) -> list[dict]:
        return ConsentStateOutputSerializer(getattr(customer, "consent_states", None) or [], many=True).data

    def get_segments(self, customer) -> list[dict]:
        return _segments(customer)


class ResolveInputSerializer(serializers.Serializer):
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    email = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    zalo_id = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    facebook_id = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    shopee_buyer_id = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    lazada_buyer_id = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    tiki_buyer_id = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    tiktok_buyer_id = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    website_account = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    source = serializers.CharField(required=False, allow_blank=True, max_length=50, default="api")


class CustomerUpdateInputSerializer(serializers.Serializer):
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    birthday = serializers.DateField(required=False, allow_null=True)
    gender = serializers.CharField(required=False, allow_blank=True, max_length=10)
    district = serializers.CharField(required=False, allow_blank=True, max_length=100)
    city = serializers.CharField(required=False, allow_blank=True, max_length=100)


class ContactAddInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    value = serializers.CharField(max_length=254)


class ActivityOutputSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "kind_label",
            "occurred_at",
            "channel",
            "store_code",
            "summary",
            "ref_type",
            "ref_id",
            "amount",
            "campaign_id",
            "utm",
            "data",
        ]


class MergeInputSerializer(serializers.Serializer):
    duplicate = serializers.IntegerField(min_value=1)


class MergeRecordOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = MergeRecord
        fields = ["id", "survivor", "duplicate", "merged_by", "merged_at", "undone_at", "moved"]


class MergeCandidateOutputSerializer(serializers.ModelSerializer):
    customer_a_name = serializers.CharField(source="customer_a.full_name")
    customer_b_name = serializers.CharField(source="customer_b.full_name")

    class Meta:
        model = MergeCandidate
        fields = ["id", "customer_a", "customer_a_name", "customer_b", "customer_b_name", "reason", "score", "status"]


class EraseInputSerializer(serializers.Serializer):
    confirm = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    def validate_confirm(self, value):
        if not value:
            raise serializers.ValidationError(_("Cần xác nhận xoá dữ liệu cá nhân."))
        return value


class ConsentInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    granted = serializers.BooleanField()
    source = serializers.CharField(max_length=50)
    text_version = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class ConsentEventOutputSerializer(serializers.ModelSerializer):
    text_version = serializers.CharField(source="text.version", default=None)

    class Meta:
        model = ConsentEvent
        fields = ["id", "channel", "purpose", "granted", "source", "text_version", "evidence", "occurred_at"]


class PointsInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("spend", "spend"), ("adjust", "adjust")])
    points = serializers.IntegerField(min_value=-10_000_000, max_value=10_000_000)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class PointsEntryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsEntry
        fields = ["id", "kind", "points", "remaining", "expires_at", "reference", "reason", "created_at"]
