"""The counter's customer endpoints: a lookup by exact phone or member code, a one-time code to
the customer's phone, and points spent in a sale of the cashier's store. Thin: parse, call
promotions.counter, render. Nothing here lists customers."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from o2o_site.roles import HasRole, Role

from .. import counter, services
from .views import client_ip


class CounterLookupInput(serializers.Serializer):
    store = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30, default="")
    member_code = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")


class CounterOtpInput(serializers.Serializer):
    store = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    phone = serializers.CharField(max_length=30)


class CounterPointsInput(serializers.Serializer):
    store = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    customer = serializers.IntegerField(min_value=1)
    points = serializers.IntegerField(min_value=1, max_value=10_000_000)
    sale = serializers.CharField(max_length=40)
    member_code = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    challenge = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    code = serializers.CharField(required=False, allow_blank=True, max_length=10, default="")


def _voucher_row(voucher) -> dict:
    return {
        "code": voucher.code,
        "discount_type": voucher.discount_type,
        "discount_value": voucher.discount_value,
        "min_basket": voucher.min_basket,
        "valid_to": voucher.valid_to,
    }


class CounterCustomerApi(APIView):
    """GET /api/v1/cashier/customer/?store=&phone=|member_code= — the customer in front of the
    cashier (exact match only), masked, with their points and the vouchers usable at the store."""

    permission_classes = [HasRole]
    allowed_roles = (Role.CASHIER,)

    @extend_schema(parameters=[CounterLookupInput], responses=dict)
    def get(self, request):
        data = CounterLookupInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        store, _channel = services.place_resolve(user=request.user, store_code=v["store"])
        found = counter.counter_customer_lookup(
            store=store,
            cashier=request.user,
            phone=v["phone"],
            member_code=v["member_code"],
            ip=client_ip(request),
            source="promotions-api-counter-customer",
        )
        results = [{**asdict(m.customer), "vouchers": [_voucher_row(x) for x in m.vouchers]} for m in found]
        return Response({"count": len(results), "results": results})


class CounterOtpApi(APIView):
    """POST /api/v1/cashier/otp/ {"phone"} — sends a one-time code to that customer's phone; the
    answer's `challenge` goes with the code the customer reads out to `POST /cashier/points/`."""

    permission_classes = [HasRole]
    allowed_roles = (Role.CASHIER,)

    @extend_schema(request=CounterOtpInput, responses={201: dict})
    def post(self, request):
        data = CounterOtpInput(data=request.data)
        data.is_valid(raise_exception=True)
        store, _channel = services.place_resolve(user=request.user, store_code=data.validated_data["store"])
        challenge, customer = counter.counter_otp_send(
            store=store, cashier=request.user, phone=data.validated_data["phone"]
        )
        body = {"challenge": challenge.public_id, "expires_at": challenge.expires_at, "customer": asdict(customer)}
        return Response(body, status=status.HTTP_201_CREATED)


class CounterPointsApi(APIView):
    """POST /api/v1/cashier/points/ — spends an identified customer's points in a recent sale of
    the cashier's store (`sale`: its receipt number), with `member_code`, or `challenge` + `code`."""

    permission_classes = [HasRole]
    allowed_roles = (Role.CASHIER,)

    @extend_schema(request=CounterPointsInput, responses={201: dict})
    def post(self, request):
        data = CounterPointsInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        store, _channel = services.place_resolve(user=request.user, store_code=v["store"])
        entry = counter.counter_points_spend(
            store=store,
            cashier=request.user,
            customer_id=v["customer"],
            points=v["points"],
            sale_number=v["sale"],
            member_code=v["member_code"],
            challenge=v["challenge"],
            code=v["code"],
        )
        from customers.selectors import points_balance

        body = {"points": -entry.points, "reference": entry.reference, "balance": points_balance(entry.customer_id)}
        return Response(body, status=status.HTTP_201_CREATED)
