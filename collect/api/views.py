"""Staff API of the collector: sources and their write keys (Manager, Marketing).

A write key is answered once, by the create call; it is stored hashed and never read back.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from o2o_site.roles import HasRole, Role

from .. import services
from ..models import Source
from . import serializers as s


class SourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """GET/POST /api/v1/collect/sources/, GET …/{id}/, POST …/{id}/revoke/. Filter: ?kind=&active=."""

    permission_classes = [HasRole]
    allowed_roles = (Role.MANAGER, Role.MARKETING)
    serializer_class = s.SourceOutput
    lookup_value_regex = r"\d+"
    filterset_fields = ["kind"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        qs = Source.objects.order_by("name")
        active = self.request.query_params.get("active")
        if active in ("1", "true"):
            qs = qs.filter(revoked_at__isnull=True)
        elif active in ("0", "false"):
            qs = qs.filter(revoked_at__isnull=False)
        return qs

    @extend_schema(request=s.SourceCreateInput, responses={201: dict})
    def create(self, request):
        data = s.SourceCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.source_create(**data.validated_data)
        body = {"id": made.source.pk, "name": made.source.name, "kind": made.source.kind, "write_key": made.write_key}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.SourceOutput)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        source = services.source_revoke(source_id=int(pk))
        return Response(s.SourceOutput(source).data)
