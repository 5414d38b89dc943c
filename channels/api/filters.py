import django_filters

from ..models import SKU, CheckIn, Listing, Order, Product, SalesChannel, Stock, Store


class StoreFilter(django_filters.FilterSet):
    class Meta:
        model = Store
        fields = {
            "code": ["exact"],
            "province": ["exact", "icontains"],
            "is_warehouse": ["exact"],
            "is_active": ["exact"],
        }


class ChannelFilter(django_filters.FilterSet):
    class Meta:
        model = SalesChannel
        fields = {"code": ["exact"], "kind": ["exact"], "is_online": ["exact"], "is_active": ["exact"]}


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")
    launched_after = django_filters.DateFilter(field_name="launch_date", lookup_expr="gte")

    class Meta:
        model = Product
        fields = {"brand": ["exact"], "category": ["exact"], "is_active": ["exact"]}


class SkuFilter(django_filters.FilterSet):
    class Meta:
        model = SKU
        fields = {"code": ["exact"], "barcode": ["exact"], "product": ["exact"], "is_active": ["exact"]}


class StockFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="sku__code")
    location = django_filters.CharFilter(field_name="location__code")

    class Meta:
        model = Stock
        fields = ["sku", "location"]


class ListingFilter(django_filters.FilterSet):
    channel = django_filters.CharFilter(field_name="channel__code")
    sku = django_filters.CharFilter(field_name="sku__code")
    # The state as shown (selectors.listing_list's `state`), not the stored column.
    sync_state = django_filters.ChoiceFilter(field_name="state", choices=Listing.SyncState.choices)

    class Meta:
        model = Listing
        fields = ["channel", "sku", "sync_state", "is_active"]


class OrderFilter(django_filters.FilterSet):
    channel = django_filters.CharFilter(field_name="channel__code")
    store = django_filters.CharFilter(field_name="store__code")
    placed_from = django_filters.IsoDateTimeFilter(field_name="placed_at", lookup_expr="gte")
    placed_to = django_filters.IsoDateTimeFilter(field_name="placed_at", lookup_expr="lt")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Order
        fields = ["channel", "store", "status", "customer", "is_held", "fulfilment", "external_id"]


class CheckInFilter(django_filters.FilterSet):
    store = django_filters.CharFilter(field_name="store__code")
    occurred_from = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_to = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = CheckIn
        fields = ["store", "method", "customer", "campaign_id"]
