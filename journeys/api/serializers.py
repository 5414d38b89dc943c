"""Input and output shapes of the journeys API (separate classes, as the house style asks)."""

from rest_framework import serializers

from customers.models import Segment

from ..models import Journey


class JourneyInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    priority = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    entry_kind = serializers.ChoiceField(choices=Journey.Entry.choices, required=False)
    entry_segment = serializers.PrimaryKeyRelatedField(queryset=Segment.objects.all(), required=False, allow_null=True)
    entry_event = serializers.CharField(max_length=20, required=False, allow_blank=True)
    goal_kind = serializers.ChoiceField(choices=Journey.Goal.choices, required=False)
    goal_amount = serializers.IntegerField(min_value=0, max_value=10**12, required=False)
    allow_reentry = serializers.BooleanField(required=False)
    reentry_cooldown_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    holdout_percent = serializers.IntegerField(min_value=0, max_value=50, required=False)
    steps = serializers.ListField(child=serializers.DictField(), max_length=60, required=False)


class JourneyPatch(JourneyInput):
    name = serializers.CharField(max_length=200, required=False)


class JourneyOutput(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    version = serializers.IntegerField(source="current_version.number", default=None, allow_null=True)

    class Meta:
        model = Journey
        fields = [
            "id",
            "name",
            "description",
            "status",
            "status_label",
            "priority",
            "entry_kind",
            "entry_segment",
            "entry_event",
            "goal_kind",
            "goal_amount",
            "allow_reentry",
            "reentry_cooldown_days",
            "holdout_percent",
            "steps",
            "version",
            "created_at",
            "updated_at",
        ]


class EnrollInput(serializers.Serializer):
    customers = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=10000)
