"""Input and output serializers of the reports API (parse and shape only; no queries)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .. import conf


class O2OQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    campaign = serializers.IntegerField(required=False, min_value=1)
    store = serializers.IntegerField(required=False, min_value=1)
    channel = serializers.IntegerField(required=False, min_value=1)
    attribution = serializers.ChoiceField(choices=["last", "first"], required=False, default="last")
    window_days = serializers.IntegerField(required=False, min_value=1, max_value=90)

    def validate(self, data):
        from ..forms import default_range

        fallback = default_range()
        end = data.get("end") or fallback.end
        start = data.get("start") or fallback.start
        if start > end:
            raise serializers.ValidationError({"start": [_("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.")]})
        if (end - start).days + 1 > conf.max_range_days():
            raise serializers.ValidationError(
                {"end": [_("Khoảng thời gian tối đa là %(days)s ngày.") % {"days": conf.max_range_days()}]}
            )
        data["start"], data["end"] = start, end
        return data


class ChainRowSerializer(serializers.Serializer):
    campaign_id = serializers.IntegerField(allow_null=True, required=False)
    name = serializers.CharField(allow_null=True, required=False)
    channel = serializers.CharField(allow_null=True, required=False)
    clicks = serializers.IntegerField()
    leads = serializers.IntegerField()
    visits = serializers.IntegerField()
    purchases = serializers.IntegerField()
    revenue = serializers.IntegerField()
    redemptions = serializers.IntegerField()
    spend = serializers.IntegerField()
    click_to_lead = serializers.FloatField(allow_null=True)
    lead_to_visit = serializers.FloatField(allow_null=True)
    visit_to_purchase = serializers.FloatField(allow_null=True)
    cost_per_visit = serializers.IntegerField(allow_null=True)
    revenue_per_visit = serializers.IntegerField(allow_null=True)


class SegmentPreviewSerializer(serializers.Serializer):
    match = serializers.ChoiceField(choices=["all", "any"], default="all")
    conditions = serializers.ListField(child=serializers.DictField(), allow_empty=True)
