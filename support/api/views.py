"""Support API: tickets, departments, categories, calls (the CTI screen pop), the hotline lookup
and customer overview. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.access import access_log_request
from o2o_site.api import DomainError, NotFound
from o2o_site.roles import HasRole, Role

from .. import selectors, services
from ..models import Category, Department
from . import serializers as s
from .auth import CallPostOrRole, CtiTokenAuthentication
from .filters import CallFilter, TicketFilter
from .overview import overview_payload

SUPPORT_ROLES = [Role.AGENT, Role.MANAGER]


def _user(pk):
    if pk is None:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise DomainError(_("Không tìm thấy nhân viên."), fields={"assignee": [_("Không tồn tại.")]})
    return user


def _customer(pk):
    from customers.selectors import customer_get

    try:
        return customer_get(pk)
    except NotFound:
        raise DomainError(_("Không tìm thấy khách hàng."), fields={"customer": [_("Không tồn tại.")]})


class DepartmentViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER]
    read_roles = SUPPORT_ROLES
    serializer_class = s.DepartmentOutput
    filterset_fields = ["is_active"]

    def get_queryset(self):
        return Department.objects.select_related("lead").order_by("name")

    @extend_schema(request=s.DepartmentInput, responses={201: s.DepartmentOutput})
    def create(self, request):
        data = s.DepartmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        lead = _user(data.validated_data.pop("lead", None))
        department = services.department_create(lead=lead, **data.validated_data)
        return Response(s.DepartmentOutput(department).data, status=status.HTTP_201_CREATED)


class CategoryViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER]
    read_roles = SUPPORT_ROLES
    serializer_class = s.CategoryOutput
    filterset_fields = ["is_active"]

    def get_queryset(self):
        return Category.objects.select_related("department").order_by("name")

    @extend_schema(request=s.CategoryInput, responses={201: s.CategoryOutput})
    def create(self, request):
        data = s.CategoryInput(data=request.data)
        data.is_valid(raise_exception=True)
        department = Department.objects.filter(code=data.validated_data.pop("department")).first()
        if department is None:
            raise DomainError(_("Không tìm thấy bộ phận."), fields={"department": [_("Không tồn tại.")]})
        category = services.category_create(department=department, **data.validated_data)
        return Response(s.CategoryOutput(category).data, status=status.HTTP_201_CREATED)


class TicketViewSet(viewsets.GenericViewSet):
    """Tickets: list (filters, `scope=mine|department`), create, detail, and life-cycle actions."""

    permission_classes = [HasRole]
    allowed_roles = SUPPORT_ROLES
    serializer_class = s.TicketOutput
    filterset_class = TicketFilter
    ordering_fields = ["due_at", "created_at", "priority", "status"]

    def get_queryset(self):
        return selectors.ticket_list(user=self.request.user, scope=self.request.query_params.get("scope", "all"))

    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.TicketOutput(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.TicketDetailOutput(selectors.ticket_detail(pk)).data)

    @extend_schema(request=s.TicketInput, responses={201: s.TicketDetailOutput})
    def create(self, request):
        data = s.TicketInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        category = Category.objects.select_related("department").filter(code=v["category"]).first()
        if category is None:
            raise DomainError(_("Không tìm thấy loại yêu cầu."), fields={"category": [_("Không tồn tại.")]})
        call = selectors.call_get(v["call"]) if v.get("call") else None
        ticket = services.ticket_create(
            customer=_customer(v["customer"]),
            category=category,
            subject=v["subject"],
            description=v["description"],
            channel=v["channel"],
            priority=v["priority"],
            order_ref=v["order_ref"],
            assignee=_user(v.get("assignee")),
            call=call,
            created_by=request.user,
        )
        return Response(s.TicketDetailOutput(selectors.ticket_detail(ticket.pk)).data, status=status.HTTP_201_CREATED)

    def _done(self, ticket, code=status.HTTP_200_OK):
        return Response(s.TicketDetailOutput(selectors.ticket_detail(ticket.pk)).data, status=code)

    @extend_schema(request=s.TransitionInput, responses=s.TicketDetailOutput)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        data = s.TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = selectors.ticket_get(pk)
        services.ticket_transition(
            ticket=ticket, to_status=data.validated_data["status"], actor=request.user, note=data.validated_data["note"]
        )
        return self._done(ticket)

    @extend_schema(request=s.CommentInput, responses={201: s.TicketEventOutput})
    @action(detail=True, methods=["post"])
    def comments(self, request, pk=None):
        data = s.CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.ticket_comment(ticket=selectors.ticket_get(pk), author=request.user, **data.validated_data)
        return Response(s.TicketEventOutput(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AssignInput, responses=s.TicketDetailOutput)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = s.AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = selectors.ticket_get(pk)
        services.ticket_assign(ticket=ticket, assignee=_user(data.validated_data["assignee"]), actor=request.user)
        return self._done(ticket)

    @extend_schema(request=s.ConfirmInput, responses=s.TicketDetailOutput)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        data = s.ConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = selectors.ticket_get(pk)
        services.ticket_confirm(ticket=ticket, actor=request.user, **data.validated_data)
        return self._done(ticket)

    @extend_schema(request=s.FollowupInput, responses={201: s.CallOutput})
    @action(detail=True, methods=["post"], url_path="calls")
    def followup_call(self, request, pk=None):
        data = s.FollowupInput(data=request.data)
        data.is_valid(raise_exception=True)
        call = services.call_log_followup(ticket=selectors.ticket_get(pk), agent=request.user, **data.validated_data)
        return Response(s.CallOutput(call).data, status=status.HTTP_201_CREATED)


class CallViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`POST /api/v1/support/calls/` is the CTI's screen pop, `POST …/calls/<call_id>/status/` its
    call status. The CTI authenticates with a CTI token (`Authorization: Token cti_…`, see
    support.cti), which may do these two things and nothing else; agents and managers may too
    (session or their own token). Idempotent on `call_id`: 201 the first time, 200 after."""

    # Token first: a CTI without credentials gets 401 with `WWW-Authenticate: Token`.
    authentication_classes = [CtiTokenAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [CallPostOrRole]
    allowed_roles = SUPPORT_ROLES
    cti_actions = ("create", "status")
    serializer_class = s.CallOutput
    filterset_class = CallFilter
    lookup_field = "call_id"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return selectors.call_list()

    @extend_schema(request=s.CallRingInput, responses={201: s.CallOutput, 200: s.CallOutput})
    def create(self, request):
        data = s.CallRingInput(data=request.data)
        data.is_valid(raise_exception=True)
        call, created = services.call_ring(**data.validated_data)
        return Response(s.CallOutput(call).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=s.CallStatusInput, responses=s.CallOutput)
    @action(detail=True, methods=["post"])
    def status(self, request, call_id=None):
        data = s.CallStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        call = services.call_update(call=selectors.call_get_by_call_id(call_id), status=data.validated_data["status"])
        return Response(s.CallOutput(call).data)


class LookupApi(APIView):
    """`GET /api/v1/support/lookup/?q=` → `{"candidates": [{"id", "name", "full_name", "matched", "identifier"}]}`."""

    permission_classes = [HasRole]
    allowed_roles = SUPPORT_ROLES

    @extend_schema(responses={200: dict})
    def get(self, request):
        q = request.query_params.get("q", "")
        if len(q) > 200:
            raise DomainError(_("Từ khoá quá dài."), fields={"q": [_("Tối đa 200 ký tự.")]})
        if "\x00" in q:
            raise DomainError(
                _("Từ khoá có ký tự không hợp lệ (ký tự NUL)."),
                code="invalid",
                status_code=400,
                fields={"q": [_("Không được chứa ký tự NUL.")]},
            )
        candidates = selectors.hotline_lookup(q)
        access_log_request(request, "lookup", query=q, result_ids=[c.customer.pk for c in candidates])
        return Response({"candidates": [c.as_dict() for c in candidates]})


class CustomerOverviewApi(APIView):
    """`GET /api/v1/support/customers/{id}/overview/?page=&kind=&channel=`: what the hotline shows."""

    permission_classes = [HasRole]
    allowed_roles = SUPPORT_ROLES

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        try:
            page = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            raise DomainError(_("Số trang không hợp lệ."), fields={"page": [_("Phải là số.")]})
        overview = selectors.customer_overview(
            pk,
            page=page,
            kinds=request.query_params.getlist("kind") or None,
            channels=request.query_params.getlist("channel") or None,
        )
        access_log_request(request, "profile", customer=overview.customer)
        return Response(overview_payload(overview))


class SatisfactionReportApi(APIView):
    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER]

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response({"departments": selectors.satisfaction_by_department()})
