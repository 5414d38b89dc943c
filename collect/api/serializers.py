from __future__ import annotations

from rest_framework import serializers

from ..models import Source


class SourceCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Source.Kind.choices)
    consent_default = serializers.ChoiceField(
        choices=Source.ConsentDefault.choices, default=Source.ConsentDefault.ANALYTICS
    )


class SourceOutput(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "kind", "consent_default", "key_prefix", "created_at", "revoked_at"]
