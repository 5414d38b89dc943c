"""The channels API: parse, call one service or selector, render. No business rules here."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from o2o_site.api import DomainError, NotFound, error_body
from o2o_site.roles import HasRole, Role, has_role

from .. import selectors, services
from ..errors import ChannelNotFound, SkuNotFound, StoreNotAllowed, StoreNotFound
from ..models import SKU, Listing, Product, SalesChannel, Store
from . import filters
from . import serializers as s

STAFF = [Role.MANAGER, Role.INVENTORY, Role.MARKETING, Role.AGENT, Role.CASHIER]
STOCK_ROLES = [Role.MANAGER, Role.INVENTORY]


class StoreListApi(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = STAFF
    serializer_class = s.StoreOut
    filterset_class = filters.StoreFilter
    queryset = Store.objects.order_by("code")


class ChannelListApi(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = STAFF
    serializer_class = s.ChannelOut
    filterset_class = filters.ChannelFilter
    queryset = SalesChannel.objects.order_by("code")


class ProductListCreateApi(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = STOCK_ROLES
    read_roles = STAFF
    serializer_class = s.ProductOut
    filterset_class = filters.ProductFilter
    queryset = Product.objects.prefetch_related("skus").order_by("pk")

    @extend_schema(request=s.ProductIn, responses={201: s.ProductOut})
    def post(self, request):
        data = s.ProductIn(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(**data.validated_data)
        product = Product.objects.prefetch_related("skus").get(pk=product.pk)
        return Response(s.ProductOut(product).data, status=status.HTTP_201_CREATED)


class ProductDetailApi(generics.RetrieveAPIView):
    permission_classes = [HasRole]
    allowed_roles = STAFF
    serializer_class = s.ProductOut
    queryset = Product.objects.prefetch_related("skus")


class SkuListApi(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = STAFF
    serializer_class = s.SkuOut
    filterset_class = filters.SkuFilter
    queryset = SKU.objects.order_by("code")


class StockListApi(generics.ListAPIView):
    """`GET /api/v1/stock/?sku=` → per location: on_hand, reserved, available."""

    permission_classes = [HasRole]
    allowed_roles = STAFF
    serializer_class = s.StockOut
    filterset_class = filters.StockFilter

    def get_queryset(self):
        return selectors.stock_list()


def _sku(code: str, field: str = "sku") -> SKU:
    sku = SKU.objects.filter(code=code).first()
    if sku is None:
        raise SkuNotFound(fields={field: [_("Không tìm thấy SKU.")]}, status_code=422)
    return sku


def _location(code: str, field: str = "location") -> Store:
    location = selectors.store_get_by_code(code)
    if location is None:
        raise StoreNotFound(fields={field: [_("Không tìm thấy kho/cửa hàng.")]})
    return location


class StockAdjustApi(APIView):
    """`POST /api/v1/stock/adjust/` `{"sku", "location", "delta", "note"}` (a counted correction)."""

    permission_classes = [HasRole]
    allowed_roles = STOCK_ROLES

    @extend_schema(request=s.StockAdjustIn, responses=s.StockOut)
    def post(self, request):
        data = s.StockAdjustIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        stock = services.stock_adjust(
            sku=_sku(v["sku"]), location=_location(v["location"]), delta=v["delta"], by=request.user, note=v["note"]
        )
        return Response(s.StockOut(stock).data)


class StockTransferApi(APIView):
    """`POST /api/v1/stock/transfer/` `{"sku", "source", "target", "quantity"}`."""

    permission_classes = [HasRole]
    allowed_roles = STOCK_ROLES

    @extend_schema(request=s.StockTransferIn, responses=s.StockOut(many=True))
    def post(self, request):
        data = s.StockTransferIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        sku = _sku(v["sku"])
        services.stock_transfer(
            sku=sku,
            source=_location(v["source"], "source"),
            target=_location(v["target"], "target"),
            quantity=v["quantity"],
            by=request.user,
        )
        return Response(s.StockOut(selectors.stock_for_sku(sku), many=True).data)


class StockReceiveApi(APIView):
    permission_classes = [HasRole]
    allowed_roles = STOCK_ROLES

    @extend_schema(request=s.StockReceiveIn, responses={201: s.StockOut})
    def post(self, request):
        data = s.StockReceiveIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        sku = _sku(v["sku"])
        location = _location(v["location"])
        stock = services.stock_receive(
            sku=sku, location=location, quantity=v["quantity"], by=request.user, note=v["note"]
        )
        return Response(s.StockOut(stock).data, status=status.HTTP_201_CREATED)


class ListingListApi(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = STOCK_ROLES
    read_roles = [Role.MANAGER, Role.INVENTORY, Role.MARKETING]
    serializer_class = s.ListingOut
    filterset_class = filters.ListingFilter

    def get_queryset(self):
        return selectors.listing_list()

    @extend_schema(request=s.ListingIn, responses={201: s.ListingOut})
    def post(self, request):
        """Publishes a SKU on a channel: 201 with the listing, 409 `already_listed`."""
        data = s.ListingIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        channel = selectors.channel_get_by_code(v.pop("channel"))
        if channel is None:
            raise ChannelNotFound(fields={"channel": [_("Không tìm thấy kênh bán.")]}, status_code=422)
        listing = services.listing_create(sku=_sku(v.pop("sku")), channel=channel, **v)
        return Response(s.ListingOut(selectors.listing_get(listing.pk)).data, status=status.HTTP_201_CREATED)


class ListingPriceApi(APIView):
    """`POST /api/v1/listings/price/` `{"ids": [...], "price_override" | "markup_percent"}`."""

    permission_classes = [HasRole]
    allowed_roles = STOCK_ROLES

    @extend_schema(request=s.ListingPriceIn, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        data = s.ListingPriceIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        pending = services.listings_price_set(
            listings=Listing.objects.filter(pk__in=v["ids"]),
            price_override=v["price_override"],
            markup_percent=v["markup_percent"],
        )
        return Response({"pending": pending})


class ChannelOrderCreateApi(APIView):
    """`POST /api/v1/channels/{code}/orders/`: 201 the first time, 200 with the same order after."""

    permission_classes = [HasRole]
    allowed_roles = STOCK_ROLES

    @extend_schema(request=s.ChannelOrderIn, responses={201: s.OrderOut, 200: s.OrderOut})
    def post(self, request, code: str):
        data = s.ChannelOrderIn(data=request.data)
        data.is_valid(raise_exception=True)
        payload = dict(data.validated_data)
        payload["lines"] = [dict(line) for line in payload["lines"]]
        result = services.order_ingest(channel_code=code, payload=payload)
        # A new order comes back with its lines loaded; only a repeat needs reading.
        order = result.order if result.created else selectors.order_find(result.order.number)
        return Response(
            s.OrderOut(order).data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )


@method_decorator(csrf_exempt, name="dispatch")
class ChannelWebhookApi(APIView):
    """`POST /api/v1/channels/{code}/webhook/`: verify the platform's signature over the raw body,
    store the event under (channel, shop, event id), acknowledge at once; a worker imports it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT}, auth=[])
    def post(self, request, code: str):
        from ..adapters import adapter_for

        channel = selectors.channel_get_by_code(code)
        if channel is None or not channel.is_active:
            raise ChannelNotFound()
        body = request.body
        adapter = adapter_for(channel)
        if not adapter.verify_webhook(body=body, headers=request.headers, url=request.build_absolute_uri()):
            return Response(error_body("bad_signature", _("Chữ ký không hợp lệ.")), status=status.HTTP_401_UNAUTHORIZED)
        try:
            events = adapter.webhook_events(body)
        except (ValueError, KeyError, TypeError):
            return Response(
                error_body("malformed", _("Nội dung sự kiện không hợp lệ.")), status=status.HTTP_400_BAD_REQUEST
            )
        text = body.decode("utf-8", "replace")
        stored = [
            services.inbound_event_store(channel=channel, shop_id=e.shop_id, event_id=e.event_id, body=text)
            for e in events
        ]
        return Response({"received": len(stored), "duplicates": sum(1 for _e, new in stored if not new)})


class OrderListApi(generics.ListAPIView):
    """GET /orders/ — Manager and Inventory list and filter every order. An agent finds the
    caller's orders by `q` (order number, marketplace id or the customer's exact phone): at most
    20, no listing, no further pages."""

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER, Role.INVENTORY, Role.AGENT]
    serializer_class = s.OrderOut
    filterset_class = filters.OrderFilter

    def get_queryset(self):
        return selectors.order_list()

    def list(self, request, *args, **kwargs):
        if has_role(request.user, Role.MANAGER, Role.INVENTORY):
            return super().list(request, *args, **kwargs)
        q = (request.query_params.get("q") or "").strip()
        if not q:
            message = _("Nhập số đơn hoặc số điện thoại của khách để tìm đơn hàng.")
            raise DomainError(message, code="query_required", status_code=400, fields={"q": [message]})
        rows = s.OrderOut(selectors.order_search(q), many=True).data
        return Response({"count": len(rows), "next": None, "previous": None, "results": rows})


class OrderDetailApi(APIView):
    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER, Role.INVENTORY, Role.AGENT]

    @extend_schema(responses=s.OrderOut)
    def get(self, request, number: str):
        order = selectors.order_find(number)
        if order is None:
            raise NotFound(_("Không tìm thấy đơn hàng."))
        return Response(s.OrderOut(order).data)


class OrderStatusApi(APIView):
    permission_classes = [HasRole]
    allowed_roles = STOCK_ROLES

    @extend_schema(request=s.OrderStatusIn, responses=s.OrderOut)
    def post(self, request, number: str):
        order = selectors.order_find(number)
        if order is None:
            raise NotFound(_("Không tìm thấy đơn hàng."))
        data = s.OrderStatusIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.order_status_change(order=order, status=data.validated_data["status"], by=request.user)
        return Response(s.OrderOut(selectors.order_find(order.number)).data)


class CheckInListCreateApi(generics.ListAPIView):
    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER, Role.CASHIER, Role.MARKETING]
    read_roles = [Role.MANAGER, Role.MARKETING]
    serializer_class = s.CheckInOut
    filterset_class = filters.CheckInFilter

    def get_queryset(self):
        return selectors.checkin_list(user=self.request.user)

    @extend_schema(request=s.CheckInIn, responses={201: s.CheckInOut})
    def post(self, request):
        data = s.CheckInIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        store = selectors.store_get_by_code(v["store"])
        if store is None:
            raise StoreNotFound(fields={"store": [_("Không tìm thấy cửa hàng.")]})
        if not has_role(request.user, Role.MANAGER, Role.MARKETING) and store not in selectors.stores_for_user(
            request.user
        ):
            raise StoreNotAllowed()
        checkin = services.checkin_record(
            store=store,
            method=v["method"],
            phone=v["phone"],
            full_name=v["full_name"],
            campaign_id=v["campaign_id"],
            utm=v["utm"],
            note=v["note"],
            by=request.user,
        )
        return Response(s.CheckInOut(checkin).data, status=status.HTTP_201_CREATED)


class PickupCollectApi(APIView):
    """`POST /api/v1/pickups/collect/` `{"store", "code"}`: the customer collects at the counter.

    200 with the order; 422 `wrong_store` (the message names the right store), 409
    `already_collected`, 404 `not_found`; 403 for staff of another store.
    """

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER, Role.CASHIER]

    @extend_schema(request=s.PickupCollectIn, responses=s.OrderOut)
    def post(self, request):
        data = s.PickupCollectIn(data=request.data)
        data.is_valid(raise_exception=True)
        store = _location(data.validated_data["store"], "store")
        order = services.pickup_collect(store=store, code=data.validated_data["code"], by=request.user)
        return Response(s.OrderOut(selectors.order_find(order.number)).data)


class OrderReturnApi(APIView):
    """`POST /api/v1/orders/{number}/return/` `{"store", "lines": [{"sku", "quantity", "condition"}]}`:
    goods back at that store (201); more than was sold → 422 `too_many`."""

    permission_classes = [HasRole]
    allowed_roles = [Role.MANAGER, Role.INVENTORY, Role.CASHIER]

    @extend_schema(request=s.OrderReturnIn, responses={201: s.OrderReturnOut})
    def post(self, request, number: str):
        order = selectors.order_find(number)
        if order is None:
            raise NotFound(_("Không tìm thấy đơn hàng."))
        data = s.OrderReturnIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        receipt = services.order_return_receive(
            order=order,
            store=_location(v["store"], "store"),
            lines=[dict(line) for line in v["lines"]],
            by=request.user,
        )
        receipt = selectors.order_return_get(receipt.pk)
        return Response(s.OrderReturnOut(receipt).data, status=status.HTTP_201_CREATED)
