"""The reports API: the O2O chain as JSON and a count preview for custom segment conditions.

Thin: parse, call a selector/service, render. Errors leave as the one error body."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from o2o_site.roles import HasRole, Role

from .. import selectors, services
from ..forms import DateRange
from . import serializers as s

ROLES = (Role.MANAGER, Role.MARKETING)


class O2OReportApi(APIView):
    """GET /api/v1/reports/o2o/ — the chain per campaign and channel, with totals."""

    permission_classes = [HasRole]
    allowed_roles = ROLES

    @extend_schema(parameters=[s.O2OQuerySerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        query = s.O2OQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        report = selectors.o2o_report(
            date_range=DateRange(start=q["start"], end=q["end"]),
            campaign_id=q.get("campaign"),
            store_id=q.get("store"),
            channel_id=q.get("channel"),
            model=q["attribution"],
            window_days=q.get("window_days") or 7,
        )
        return Response(
            {
                "start": report.date_range.start,
                "end": report.date_range.end,
                "attribution": report.model,
                "window_days": report.window_days,
                "totals": s.ChainRowSerializer(report.totals).data,
                "campaigns": s.ChainRowSerializer(report.campaigns, many=True).data,
                "channels": s.ChainRowSerializer(report.channels, many=True).data,
            }
        )


class SegmentPreviewApi(APIView):
    """POST /api/v1/reports/segments/preview/ — `{"match", "conditions"}` in, `{"count"}` out."""

    permission_classes = [HasRole]
    allowed_roles = ROLES

    @extend_schema(request=s.SegmentPreviewSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        body = s.SegmentPreviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response({"count": services.custom_segment_preview(definition=dict(body.validated_data))})
