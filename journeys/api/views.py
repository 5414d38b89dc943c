"""The journeys API (Manager, Marketing): CRUD of the draft, publish/pause/resume/archive, the
dry run, per-step figures and manual entry. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from dataclasses import asdict

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from o2o_site.api import NotFound, Pagination
from o2o_site.roles import HasRole, Role

from .. import selectors, services
from ..models import Journey
from . import serializers as s

ROLES = (Role.MANAGER, Role.MARKETING)


def _journey(journey_id: int) -> Journey:
    journey = selectors.journey_get(journey_id)
    if journey is None:
        raise NotFound(_("Không tìm thấy hành trình."))
    return journey


class JourneyListApi(APIView):
    """GET /api/v1/journeys/ (`?status=`), POST a new draft."""

    permission_classes = [HasRole]
    allowed_roles = ROLES

    @extend_schema(responses={200: s.JourneyOutput(many=True)})
    def get(self, request):
        wanted = request.query_params.get("status", "")
        qs = selectors.journey_list(status=wanted if wanted in Journey.Status.values else "")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(s.JourneyOutput(page, many=True).data)

    @extend_schema(request=s.JourneyInput, responses={201: s.JourneyOutput})
    def post(self, request):
        data = s.JourneyInput(data=request.data)
        data.is_valid(raise_exception=True)
        journey = services.journey_create(user=request.user, **data.validated_data)
        return Response(s.JourneyOutput(journey).data, status=status.HTTP_201_CREATED)


class JourneyDetailApi(APIView):
    """GET one journey, PATCH its draft (a live one keeps running its published version)."""

    permission_classes = [HasRole]
    allowed_roles = ROLES

    @extend_schema(responses={200: s.JourneyOutput})
    def get(self, request, journey_id: int):
        return Response(s.JourneyOutput(_journey(journey_id)).data)

    @extend_schema(request=s.JourneyPatch, responses={200: s.JourneyOutput})
    def patch(self, request, journey_id: int):
        data = s.JourneyPatch(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        journey = services.journey_update(journey=_journey(journey_id), **data.validated_data)
        return Response(s.JourneyOutput(journey).data)


class JourneyActionApi(APIView):
    """POST /api/v1/journeys/{id}/{publish|pause|resume|archive}/."""

    permission_classes = [HasRole]
    allowed_roles = ROLES
    actions = {
        "publish": lambda journey, user: services.journey_publish(journey=journey, user=user),
        "pause": lambda journey, user: services.journey_pause(journey=journey),
        "resume": lambda journey, user: services.journey_resume(journey=journey),
        "archive": lambda journey, user: services.journey_archive(journey=journey),
    }

    @extend_schema(request=None, responses={200: s.JourneyOutput})
    def post(self, request, journey_id: int, action: str):
        if action not in self.actions:
            raise NotFound(_("Không có thao tác này."))
        self.actions[action](_journey(journey_id), request.user)
        return Response(s.JourneyOutput(_journey(journey_id)).data)


class JourneyStatsApi(APIView):
    """GET per-status and per-step figures, and the goal's conversion against the holdout."""

    permission_classes = [HasRole]
    allowed_roles = ROLES

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, journey_id: int):
        return Response(asdict(selectors.journey_stats(_journey(journey_id))))


class JourneyDryRunApi(APIView):
    """GET who would enter now and how many of them could be messaged."""

    permission_classes = [HasRole]
    allowed_roles = ROLES

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, journey_id: int):
        return Response(asdict(selectors.journey_dry_run(_journey(journey_id))))


class JourneyEnrollApi(APIView):
    """POST `{"customers": [ids]}`: enters a chosen list into a live journey."""

    permission_classes = [HasRole]
    allowed_roles = ROLES

    @extend_schema(request=s.EnrollInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, journey_id: int):
        data = s.EnrollInput(data=request.data)
        data.is_valid(raise_exception=True)
        entered = services.journey_enter(journey=_journey(journey_id), customer_ids=data.validated_data["customers"])
        return Response({"entered": entered})
