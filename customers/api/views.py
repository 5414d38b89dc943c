"""The customers API: thin views that parse input, call one service or selector, and render."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import selectors, services
from customers.access import access_log_request
from customers.models import Activity, ConsentEvent, ConsentText, Customer, MergeRecord, PointsEntry
from o2o_site.api import DomainError
from o2o_site.roles import HasRole, Role, has_role

from . import serializers as s
from .filters import ActivityFilter, CustomerFilter

# A cashier never reads profiles here: the counter sees one identified customer, masked, through
# promotions' counter lookup. Agents search (a query, capped results), they do not page the base.
READ_ROLES = [Role.MANAGER, Role.MARKETING, Role.AGENT]
HISTORY_ROLES = [Role.MANAGER, Role.MARKETING, Role.AGENT]
LIST_ROLES = [Role.MANAGER, Role.MARKETING]
SEARCH_MIN_LENGTH = 3
SEARCH_CAP = 20


def search_only(user) -> bool:
    """Roles that may find a customer by searching but may not list or page the customer base."""
    return not has_role(user, *LIST_ROLES)


class CustomerListApi(generics.ListAPIView):
    """GET /customers/?q=&segment=&store=&lifecycle= — search and filter, paginated.

    Manager and Marketing list and filter the base. An agent must search (`q`, 3+ characters)
    and gets at most 20 customers, no further pages. Every search is written to the access log.
    """

    permission_classes = [HasRole]
    allowed_roles = READ_ROLES
    serializer_class = s.CustomerListOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = CustomerFilter(self.request.query_params, queryset=Customer.objects.none())
        if not params.is_valid():
            raise ValidationError(params.errors)
        filters = params.form.cleaned_data
        if search_only(self.request.user) and len((filters.get("q") or "").strip()) < SEARCH_MIN_LENGTH:
            message = _("Nhập số điện thoại, email hoặc tên (ít nhất 3 ký tự) để tìm khách hàng.")
            raise DomainError(message, code="query_required", status_code=400, fields={"q": [message]})
        return selectors.customers_with_contacts(selectors.customer_search_queryset(**filters))

    def list(self, request, *args, **kwargs):
        if not search_only(request.user):
            response = super().list(request, *args, **kwargs)
            rows = response.data.get("results", [])
        else:
            found = list(self.get_queryset()[: SEARCH_CAP + 1])
            rows = self.get_serializer(found[:SEARCH_CAP], many=True).data
            response = Response(
                {
                    "count": len(rows),
                    "next": None,
                    "previous": None,
                    "results": rows,
                    "truncated": len(found) > SEARCH_CAP,
                }
            )
        query = (request.query_params.get("q") or "").strip()
        if query:
            access_log_request(request, "lookup", query=query, result_ids=[row["id"] for row in rows])
        return response


class CustomerResolveApi(APIView):
    """POST /customers/resolve/ — find or create from any identifiers; `created` says which."""

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER, Role.AGENT, Role.MARKETING]

    @extend_schema(
        request=s.ResolveInputSerializer,
        responses={200: s.CustomerDetailOutputSerializer, 201: s.CustomerDetailOutputSerializer},
    )
    def post(self, request):
        data = s.ResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.customer_resolve(**data.validated_data)
        body = dict(s.CustomerDetailOutputSerializer(selectors.customer_profile(result.customer.pk)).data)
        body["created"] = result.created
        body["merge_candidate"] = result.merge_candidate
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class CustomerDetailApi(APIView):
    """GET /customers/{id}/ — the profile; PATCH edits name, birthday, address."""

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER, Role.AGENT]
    read_roles = READ_ROLES

    @extend_schema(responses=s.CustomerDetailOutputSerializer)
    def get(self, request, pk: int):
        customer = selectors.customer_profile(pk)
        access_log_request(request, "profile", customer=customer)
        return Response(s.CustomerDetailOutputSerializer(customer).data)

    @extend_schema(request=s.CustomerUpdateInputSerializer, responses=s.CustomerDetailOutputSerializer)
    def patch(self, request, pk: int):
        data = s.CustomerUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        customer = services.customer_update(customer=selectors.customer_get(pk), **data.validated_data)
        return Response(s.CustomerDetailOutputSerializer(selectors.customer_profile(customer.pk)).data)


class CustomerContactAddApi(APIView):
    """POST /customers/{id}/contacts/ — add a phone, email or account id."""

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER, Role.AGENT]

    @extend_schema(request=s.ContactAddInputSerializer, responses={201: s.ContactPointOutputSerializer})
    def post(self, request, pk: int):
        data = s.ContactAddInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        point = services.customer_add_contact(customer=selectors.customer_get(pk), **data.validated_data)
        return Response(s.ContactPointOutputSerializer(point).data, status=status.HTTP_201_CREATED)


class CustomerTimelineApi(generics.ListAPIView):
    """GET /customers/{id}/timeline/?kind=&channel= — newest first, paginated."""

    permission_classes = [HasRole]
    allowed_roles = HISTORY_ROLES
    serializer_class = s.ActivityOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ActivityFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Activity.objects.none()
        customer = selectors.customer_get(self.kwargs["pk"])
        return customer.activities.order_by("-occurred_at", "-id")


class CustomerMergeApi(APIView):
    """POST /customers/{id}/merge/ {"duplicate": id} — the duplicate becomes a tombstone of {id}."""

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER]

    @extend_schema(request=s.MergeInputSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk: int):
        data = s.MergeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        survivor = selectors.customer_get(pk)
        try:
            duplicate = Customer.objects.get(pk=data.validated_data["duplicate"])
        except Customer.DoesNotExist:
            raise DomainError(
                _("Không tìm thấy hồ sơ trùng."),
                code="not_found",
                status_code=404,
                fields={"duplicate": [_("Không tồn tại.")]},
            )
        record = services.customer_merge(survivor=survivor, duplicate=duplicate, merged_by=request.user)
        return Response(
            {
                "merge": s.MergeRecordOutputSerializer(record).data,
                "customer": s.CustomerDetailOutputSerializer(selectors.customer_profile(survivor.pk)).data,
            }
        )


class MergeUndoApi(APIView):
    """POST /customers/merges/{id}/undo/ — within 30 days, the rows go back."""

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER]

    @extend_schema(request=None, responses=s.MergeRecordOutputSerializer)
    def post(self, request, pk: int):
        record = get_object_or_404(MergeRecord, pk=pk)
        record = services.customer_merge_undo(record=record, undone_by=request.user)
        return Response(s.MergeRecordOutputSerializer(record).data)


class MergeCandidateListApi(generics.ListAPIView):
    """GET /customers/merge-candidates/ — the open merge queue."""

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER]
    serializer_class = s.MergeCandidateOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.merge_queue()


class CustomerExportApi(APIView):
    """GET /customers/{id}/export/ — everything every app holds about the person, as JSON."""

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        data = services.customer_export(customer=selectors.customer_get(pk))
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "default": str})
        response["Content-Disposition"] = f'attachment; filename="customer-{pk}.json"'
        return response


class CustomerEraseApi(APIView):
    """POST /customers/{id}/erase/ {"confirm": true, "reason": "..."} — erase personal data."""

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER]

    @extend_schema(request=s.EraseInputSerializer, responses=s.CustomerDetailOutputSerializer)
    def post(self, request, pk: int):
        data = s.EraseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.customer_erase(
            customer=selectors.customer_get(pk), erased_by=request.user, reason=data.validated_data["reason"]
        )
        return Response(s.CustomerDetailOutputSerializer(selectors.customer_profile(customer.pk)).data)


# Who may record consent for someone else: only those who hold the evidence of the customer's
# own act (a signed form, a recorded call) — Manager and Marketing, with `evidence`. An agent
# may record a withdrawal the customer asks for on the phone, never a grant. The customer's
# own grants come through their own forms (check-in, web, Zalo), not through this endpoint.
CONSENT_GRANT_ROLES = [Role.MANAGER, Role.MARKETING]


class CustomerConsentApi(generics.ListAPIView):
    """GET /customers/{id}/consents/ — the history; POST records a grant or withdrawal."""

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER, Role.MARKETING, Role.AGENT]
    read_roles = READ_ROLES
    serializer_class = s.ConsentEventOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConsentEvent.objects.none()
        return selectors.consent_history(selectors.customer_get(self.kwargs["pk"]))

    @extend_schema(request=s.ConsentInputSerializer, responses={201: s.ConsentEventOutputSerializer})
    def post(self, request, pk: int):
        data = s.ConsentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if values["granted"] and not has_role(request.user, *CONSENT_GRANT_ROLES):
            raise DomainError(
                _("Chỉ quản lý hoặc marketing (có bằng chứng) được ghi nhận khách đồng ý."),
                code="permission_denied",
                status_code=403,
            )
        version = values.pop("text_version")
        text = None
        if version:
            text = ConsentText.objects.filter(purpose=values["purpose"], version=version).first()
            if text is None:
                raise DomainError(
                    _("Không có văn bản đồng ý phiên bản này."),
                    code="invalid_consent",
                    status_code=400,
                    fields={"text_version": [_("Không tồn tại.")]},
                )
        event = services.consent_record(customer=selectors.customer_get(pk), text=text, user=request.user, **values)
        return Response(s.ConsentEventOutputSerializer(event).data, status=status.HTTP_201_CREATED)


class CustomerPointsApi(generics.ListAPIView):
    """GET /customers/{id}/points/ — the ledger (balance in `balance`); POST spends or adjusts.

    Only a manager posts here. A cashier spends points at the counter, in a sale of their own
    store with the customer identified there (`POST /api/v1/cashier/points/`).
    """

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER]
    read_roles = READ_ROLES
    serializer_class = s.PointsEntryOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PointsEntry.objects.none()
        return selectors.points_ledger(selectors.customer_get(self.kwargs["pk"]))

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data["balance"] = selectors.points_balance(selectors.customer_get(kwargs["pk"]))
        return response

    @extend_schema(
        request=s.PointsInputSerializer,
        responses={201: s.PointsEntryOutputSerializer, 200: s.PointsEntryOutputSerializer},
        description="201: written now. 200 with `replayed: true`: the same reference was already used for "
        "the same points — the first entry, nothing written again. 409 `reference_reused`: other points.",
    )
    def post(self, request, pk: int):
        data = s.PointsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = selectors.customer_get(pk)
        if values["action"] == "adjust":
            entry = services.points_adjust(
                customer=customer,
                points=values["points"],
                reason=values["reason"],
                user=request.user,
                reference=values["reference"],
            )
        else:
            entry = services.points_spend(
                customer=customer,
                points=values["points"],
                reason=values["reason"],
                reference=values["reference"],
                user=request.user,
            )
        body = dict(s.PointsEntryOutputSerializer(entry).data)
        body["balance"] = selectors.points_balance(customer)
        # A retry with the same reference (its first answer was lost) gets the first entry: 200
        # and `replayed`, so the client knows nothing was spent twice.
        replayed = bool(getattr(entry, "replayed", False))
        body["replayed"] = replayed
        return Response(body, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED)
