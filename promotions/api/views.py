"""The promotions API: quote, validate, redeem, void, and CRUD for campaigns, vouchers, promotions.

Thin: parse, call one service or selector, render. Refusals come back as the one error body
with `error.code` one of not_found, expired, not_yet_valid, wrong_store, online_not_allowed,
outside_time_slot, min_spend_not_met, already_used, limit_reached, not_this_customer (409/422)
or rate_limited (429). Only roles that may redeem reach the code lookups at all.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from o2o_site.api import DomainError
from o2o_site.client_ip import client_ip
from o2o_site.roles import HasRole, Role

from .. import selectors, services
from ..models import Campaign, Promotion, Voucher, VoucherBatch
from . import serializers as s

MANAGE = (Role.MANAGER, Role.MARKETING)


class QuoteApi(APIView):
    """POST /api/v1/promotions/quote/ — a basket in, the priced basket out (nothing is written)."""

    permission_classes = [HasRole]
    allowed_roles = (Role.CASHIER, Role.MANAGER, Role.MARKETING)

    @extend_schema(request=s.QuoteInput, responses=dict)
    def post(self, request):
        data = s.QuoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        store, channel = services.place_resolve(
            user=request.user, store_code=v.get("store", ""), channel_code=v.get("channel", "")
        )
        customer = services.customer_resolve_id(v.get("customer"))
        basket = services.basket_parse(data=v["basket"], user=request.user)
        codes = [c for c in v.get("codes", []) if c]
        if codes:
            services.lookup_guard(user=request.user, ip=client_ip(request), store=store)
        priced = services.basket_price(
            basket, store=store, channel=channel, at=v.get("at"), customer=customer, codes=codes
        )
        if any(r.error_code == "not_found" for r in priced.refused):
            services.lookup_failed(user=request.user, ip=client_ip(request), store=store)
        body = priced.as_dict()
        body["store"] = store.code if store else None
        body["channel"] = channel.code if channel else None
        return Response(body)


class VoucherValidateApi(APIView):
    """POST /api/v1/vouchers/validate/ — can this code be used here, now, for this basket?"""

    permission_classes = [HasRole]
    allowed_roles = (Role.CASHIER,)

    @extend_schema(request=s.VoucherCheckInput, responses=dict)
    def post(self, request):
        data = s.VoucherCheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        store, channel = services.place_resolve(
            user=request.user, store_code=v.get("store", ""), channel_code=v.get("channel", "")
        )
        customer = services.customer_resolve_id(v.get("customer"))
        priced, voucher = services.voucher_validate(
            code=v["code"],
            basket=services.basket_parse(data=v["basket"], user=request.user),
            user=request.user,
            store=store,
            channel=channel,
            customer=customer,
            ip=client_ip(request),
        )
        adjustment = priced.voucher_adjustment(voucher.code)
        return Response(
            {
                "valid": True,
                "code": voucher.code,
                "voucher": voucher.pk,
                "discount": adjustment.amount if adjustment else 0,
                "subtotal": priced.subtotal,
                "total": priced.total,
                "reason": adjustment.reason if adjustment else "",
                "basket": priced.as_dict(),
            }
        )


class VoucherRedeemApi(APIView):
    """POST /api/v1/vouchers/redeem/ — uses the code once. Send an `Idempotency-Key` header:
    the same key and body again returns the first result; the same key with another body is 409."""

    permission_classes = [HasRole]
    allowed_roles = (Role.CASHIER,)

    @extend_schema(request=s.VoucherCheckInput, responses=s.RedemptionOutput)
    def post(self, request):
        data = s.VoucherCheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        store, channel = services.place_resolve(
            user=request.user, store_code=v.get("store", ""), channel_code=v.get("channel", "")
        )
        key = request.headers.get("Idempotency-Key", "")
        if len(key) > 100:
            raise DomainError(_("Idempotency-Key tối đa 100 ký tự."), code="invalid", status_code=400)
        redemption = services.voucher_redeem(
            code=v["code"],
            cashier=request.user,
            basket=services.basket_parse(data=v["basket"], user=request.user),
            store=store,
            channel=channel,
            customer=services.customer_resolve_id(v.get("customer")),
            order_ref=v.get("order_ref", ""),
            idempotency_key=key,
            ip=client_ip(request),
        )
        return Response(s.redemption_body(redemption), status=status.HTTP_201_CREATED)


class RedemptionVoidApi(APIView):
    """POST /api/v1/vouchers/{id}/void/ — `id` is the redemption's id (from redeem's answer)."""

    permission_classes = [HasRole]
    allowed_roles = (Role.CASHIER,)

    @extend_schema(request=s.VoidInput, responses=s.RedemptionOutput)
    def post(self, request, pk: int):
        data = s.VoidInput(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = services.redemption_void(
            redemption_id=pk, actor=request.user, reason=data.validated_data.get("reason", "")
        )
        return Response(s.RedemptionOutput(redemption).data)


# --- CRUD for the roles that manage promotions ----------------------------------------------


class VoucherFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(method="filter_code")
    valid_at = django_filters.IsoDateTimeFilter(method="filter_valid_at")

    class Meta:
        model = Voucher
        fields = ["kind", "status", "discount_type", "campaign", "customer", "store_only", "source"]

    def filter_code(self, qs, name, value):
        from ..codes import normalize_code

        return qs.filter(code__startswith=normalize_code(value))

    def filter_valid_at(self, qs, name, value):
        return qs.filter(valid_from__lte=value, valid_to__gt=value)


def _stores_by_codes(codes) -> list:
    from channels.selectors import store_get_by_code

    out, missing = [], []
    for code in codes or []:
        store = store_get_by_code(code)
        (out if store else missing).append(store or code)
    if missing:
        raise DomainError(
            _("Dữ liệu không hợp lệ."),
            code="invalid",
            status_code=400,
            fields={"stores": [_("Không tìm thấy cửa hàng: %(c)s.") % {"c": ", ".join(missing)}]},
        )
    return out


def _sku_by_code(code: str | None, field: str = "gift_sku"):
    if not code:
        return None
    from channels.selectors import sku_get_by_code_or_barcode

    sku = sku_get_by_code_or_barcode(code)
    if sku is None:
        raise DomainError(
            _("Dữ liệu không hợp lệ."), code="invalid", status_code=400, fields={field: [_("Không tìm thấy SKU.")]}
        )
    return sku


class VoucherViewSet(viewsets.ModelViewSet):
    """/api/v1/vouchers/ — create (code generated unless given), list, read, change, delete unused."""

    permission_classes = [HasRole]
    allowed_roles = MANAGE
    filterset_class = VoucherFilter
    ordering_fields = ["created_at", "valid_to", "used_count"]
    ordering = ["-created_at", "-pk"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.voucher_list()

    def get_serializer_class(self):
        return s.VoucherOutput

    def _terms(self, v: dict) -> dict:
        terms = dict(v)
        if "stores" in terms:
            terms["stores"] = _stores_by_codes(terms["stores"])
        if "gift_sku" in terms:
            terms["gift_sku"] = _sku_by_code(terms["gift_sku"])
        if "customer" in terms:
            terms["customer"] = services.customer_resolve_id(terms["customer"])
        return terms

    @extend_schema(request=s.VoucherInput, responses=s.VoucherOutput)
    def create(self, request):
        data = s.VoucherInput(data=request.data)
        data.is_valid(raise_exception=True)
        terms = self._terms(data.validated_data)
        terms.pop("status", None)
        voucher = services.voucher_create(**terms, created_by=request.user, source=terms.get("source", "api"))
        return Response(s.VoucherOutput(selectors.voucher_get(voucher.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.VoucherInput, responses=s.VoucherOutput)
    def partial_update(self, request, pk=None):
        voucher = self.get_object()
        data = s.VoucherInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        terms = self._terms(data.validated_data)
        stores = terms.pop("stores", None)
        voucher = services.voucher_update(voucher=voucher, stores=stores, **terms)
        return Response(s.VoucherOutput(selectors.voucher_get(voucher.pk)).data)

    def destroy(self, request, pk=None):
        services.voucher_delete(voucher=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignViewSet(viewsets.ModelViewSet):
    """/api/v1/campaigns/ — campaigns with UTM codes, journey stage, budget; spends under /spends/."""

    permission_classes = [HasRole]
    allowed_roles = MANAGE
    serializer_class = s.CampaignSerializer
    filterset_fields = ["journey_stage", "channel", "utm_source", "utm_medium"]
    ordering_fields = ["starts_on", "budget", "name"]
    ordering = ["-starts_on", "pk"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.campaign_list()

    def _channel(self, v: dict) -> dict:
        from channels.selectors import channel_get_by_code

        if "channel_code" in v:
            code = v.pop("channel_code")
            v["channel"] = channel_get_by_code(code) if code else None
            if code and v["channel"] is None:
                raise DomainError(
                    _("Dữ liệu không hợp lệ."),
                    code="invalid",
                    status_code=400,
                    fields={"channel_code": [_("Không tìm thấy kênh bán.")]},
                )
        return v

    def create(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(**self._channel(dict(data.validated_data)))
        return Response(self.get_serializer(selectors.campaign_list().get(pk=campaign.pk)).data, status=201)

    def partial_update(self, request, pk=None):
        campaign = self.get_object()
        data = self.get_serializer(campaign, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.campaign_update(campaign=campaign, **self._channel(dict(data.validated_data)))
        return Response(self.get_serializer(selectors.campaign_list().get(pk=campaign.pk)).data)

    def destroy(self, request, pk=None):
        services.campaign_delete(campaign=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.SpendSerializer, responses=s.SpendSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def spends(self, request, pk=None):
        campaign = self.get_object()
        if request.method == "POST":
            data = s.SpendSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            spend = services.campaign_spend_add(campaign=campaign, **data.validated_data)
            return Response(s.SpendSerializer(spend).data, status=201)
        page = self.paginate_queryset(campaign.spends.order_by("-spent_on", "-pk"))
        return self.get_paginated_response(s.SpendSerializer(page, many=True).data)


class PromotionFilter(django_filters.FilterSet):
    active_at = django_filters.IsoDateTimeFilter(method="filter_active_at")

    class Meta:
        model = Promotion
        fields = ["kind", "is_active", "campaign", "combination", "store_only", "online_only"]

    def filter_active_at(self, qs, name, value):
        return qs.filter(valid_from__lte=value, valid_to__gt=value)


class PromotionViewSet(viewsets.ModelViewSet):
    """/api/v1/promotions/ — automatic promotions (time slots, thresholds, bundles, trade-in…)."""

    permission_classes = [HasRole]
    allowed_roles = MANAGE
    read_roles = (Role.CASHIER,)
    serializer_class = s.PromotionSerializer
    filterset_class = PromotionFilter
    ordering_fields = ["priority", "valid_from", "name"]
    ordering = ["priority", "pk"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.promotion_list()

    def _relations(self, v: dict) -> dict:
        from channels.selectors import channel_get_by_code

        if "stores" in v:
            v["stores"] = _stores_by_codes(v["stores"])
        if "skus" in v:
            v["skus"] = [_sku_by_code(code, "skus") for code in v["skus"]]
        if "channels" in v:
            channels = [channel_get_by_code(code) for code in v["channels"]]
            if None in channels:
                raise DomainError(
                    _("Dữ liệu không hợp lệ."),
                    code="invalid",
                    status_code=400,
                    fields={"channels": [_("Không tìm thấy kênh bán.")]},
                )
            v["channels"] = channels
        return v

    def create(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        promotion = services.promotion_create(**self._relations(dict(data.validated_data)))
        return Response(self.get_serializer(selectors.promotion_list().get(pk=promotion.pk)).data, status=201)

    def partial_update(self, request, pk=None):
        promotion = self.get_object()
        data = self.get_serializer(promotion, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.promotion_update(promotion=promotion, **self._relations(dict(data.validated_data)))
        return Response(self.get_serializer(selectors.promotion_list().get(pk=promotion.pk)).data)


class RedemptionViewSet(viewsets.ReadOnlyModelViewSet):
    """/api/v1/redemptions/ — who used which code where; cashiers see their own stores only."""

    permission_classes = [HasRole]
    allowed_roles = (*MANAGE, Role.CASHIER)
    serializer_class = s.RedemptionOutput
    filterset_fields = ["status", "voucher", "store", "campaign", "customer", "cashier"]
    ordering_fields = ["redeemed_at", "discount"]
    ordering = ["-redeemed_at", "-pk"]

    def get_queryset(self):
        from channels.selectors import stores_for_user
        from o2o_site.roles import has_role

        qs = selectors.redemption_list()
        if not has_role(self.request.user, *MANAGE):
            qs = qs.filter(store__in=[st.pk for st in stores_for_user(self.request.user)])
        return qs


class VoucherBatchViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """/api/v1/voucher-batches/ — issue personal vouchers to a segment or a list, with progress."""

    permission_classes = [HasRole]
    allowed_roles = MANAGE
    serializer_class = s.BatchOutput
    filterset_fields = ["status", "campaign"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return VoucherBatch.objects.select_related("campaign")

    @extend_schema(request=s.BatchInput, responses=s.BatchOutput)
    def create(self, request):
        data = s.BatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        template = {
            "discount_type": v["discount_type"],
            "discount_value": v["discount_value"],
            "max_discount": v.get("max_discount"),
            "min_basket": v.get("min_basket", 0),
            "store_only": v.get("store_only", True),
            "store_ids": [st.pk for st in _stores_by_codes(v.get("stores", []))],
            "valid_days": v["valid_days"],
        }
        batch = services.voucher_batch_create(
            template=template,
            created_by=request.user,
            campaign=v.get("campaign"),
            segment_code=v.get("segment", ""),
            customer_ids=v.get("customers", []),
            message_channel=v.get("message_channel", ""),
            message_body=v.get("message_body", ""),
        )
        batch.refresh_from_db()
        body = s.BatchOutput(batch).data
        return Response(body, status=202, headers={"Location": body["status_url"]})


__all__ = ["Campaign"]


class BudgetPlanViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """/api/v1/budget-plans/ — the marketing budget by journey stage; `/{id}/report/` planned vs spent."""

    permission_classes = [HasRole]
    allowed_roles = MANAGE
    serializer_class = s.BudgetPlanSerializer
    ordering = ["-starts_on", "-pk"]

    def get_queryset(self):
        from ..models import BudgetPlan

        return BudgetPlan.objects.all()

    def create(self, request):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        shares = {stage: v.pop(f"{stage}_percent") for stage in list(_STAGES) if f"{stage}_percent" in v}
        plan = services.budget_plan_create(shares=shares, **v)
        return Response(self.get_serializer(plan).data, status=201)

    @extend_schema(responses=dict)
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        plan = self.get_object()
        return Response({"plan": self.get_serializer(plan).data, "stages": selectors.budget_plan_vs_actual(plan)})


_STAGES = ("awareness", "acquisition", "conversion", "retention", "expansion")
