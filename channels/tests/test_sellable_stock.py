"""Per-channel sellable stock: a channel publishes what it can reserve, and nothing more."""

import pytest
from django.db import connection
from django.db.models import F

from channels import services
from channels.errors import InsufficientStock, NoFulfilmentLocation
from channels.models import Listing, Order, SalesChannel, Stock

from .conftest import order_payload
from .factories import ChannelFactory, SkuFactory, StoreFactory

pytestmark = pytest.mark.django_db

# Every kind of channel whose listings publish a quantity, with where it fulfils from.
KINDS = [
    (SalesChannel.Kind.SHOPEE, ["warehouse"]),
    (SalesChannel.Kind.LAZADA, ["warehouse"]),
    (SalesChannel.Kind.TIKI, ["warehouse"]),
    (SalesChannel.Kind.TIKTOK_SHOP, ["warehouse"]),
    (SalesChannel.Kind.WEBSITE, ["warehouse", "store_a", "store_b"]),
    (SalesChannel.Kind.APP, ["store_b", "warehouse"]),
    (SalesChannel.Kind.FACEBOOK, ["store_a"]),
    (SalesChannel.Kind.INSTAGRAM, ["store_a", "store_b"]),
]


@pytest.fixture
def places(db):
    return {
        "warehouse": StoreFactory(code="kho-hn", is_warehouse=True),
        "store_a": StoreFactory(code="hn-01"),
        "store_b": StoreFactory(code="hn-02"),
    }


def _reservable(sku, locations) -> int:
    return sum(s.on_hand - s.reserved for s in Stock.objects.filter(sku=sku, location__in=locations))


@pytest.mark.parametrize(("kind", "where"), KINDS, ids=[k for k, _w in KINDS])
def test_published_equals_what_an_order_can_reserve_after_moves_anywhere(places, kind, where):
    # given: a channel of this kind fulfilling from its locations, stock spread everywhere
    channel = ChannelFactory(code=f"ch-{kind}", kind=kind)
    locations = [places[name] for name in where]
    services.channel_locations_set(channel=channel, locations=locations)
    sku = SkuFactory(code="AO-001")
    services.stock_receive(sku=sku, location=places["warehouse"], quantity=7)
    services.stock_receive(sku=sku, location=places["store_a"], quantity=3)
    services.stock_receive(sku=sku, location=places["store_b"], quantity=2)
    listing = services.listing_upsert(sku=sku, channel=channel)
    # when: stock moves in every location (a transfer, a count, a sale at a counter)
    services.stock_transfer(sku=sku, source=places["warehouse"], target=places["store_b"], quantity=2)
    services.stock_adjust(sku=sku, location=places["store_a"], delta=-1, note="kiểm kê")
    services.stock_receive(sku=sku, location=places["store_b"], quantity=1)
    listing.refresh_from_db()
    # then: what it publishes is exactly what its locations can give
    published = listing.published_quantity
    assert published == _reservable(sku, locations) > 0
    # and an order for exactly that is accepted, one unit more is refused
    with pytest.raises(InsufficientStock):
        services.order_ingest(
            channel_code=channel.code, payload=order_payload(external_id="X-1", quantity=published + 1)
        )
    result = services.order_ingest(
        channel_code=channel.code, payload=order_payload(external_id="X-2", quantity=published)
    )
    assert result.order.stock_state == Order.StockState.RESERVED and not result.order.is_held
    assert sum(line.quantity for line in result.order.lines.all()) == published
    listing.refresh_from_db()
    assert listing.published_quantity == 0 == _reservable(sku, locations)


def test_allocation_and_buffer_publish_less_and_the_order_for_it_is_accepted(places):
    # given: Shopee gets half of the warehouse minus two
    channel = ChannelFactory(code="shopee", kind=SalesChannel.Kind.SHOPEE)
    services.channel_locations_set(channel=channel, locations=[places["warehouse"]])
    sku = SkuFactory(code="AO-001")
    services.stock_receive(sku=sku, location=places["warehouse"], quantity=11)
    listing = services.listing_upsert(sku=sku, channel=channel, allocation_percent=50, safety_buffer=2)
    assert listing.published_quantity == 3  # 11 × 50% = 5 (rounded down) − 2
    # when / then
    result = services.order_ingest(channel_code="shopee", payload=order_payload(quantity=3))
    assert result.order.stock_state == Order.StockState.RESERVED


def test_a_line_bigger_than_any_one_location_is_split_over_the_channels_locations(places):
    # given: the website ships from the warehouse (2) and a store (3)
    channel = ChannelFactory(code="website", kind=SalesChannel.Kind.WEBSITE)
    services.channel_locations_set(channel=channel, locations=[places["warehouse"], places["store_a"]])
    sku = SkuFactory(code="AO-001")
    services.stock_receive(sku=sku, location=places["warehouse"], quantity=2)
    services.stock_receive(sku=sku, location=places["store_a"], quantity=3)
    # when
    order = services.order_ingest(channel_code="website", payload=order_payload(quantity=5)).order
    # then: two lines, the warehouse first
    lines = sorted((ln.location.code, ln.quantity, ln.line_total) for ln in order.lines.all())
    assert lines == [("hn-01", 3, 3 * 199_000), ("kho-hn", 2, 2 * 199_000)]
    assert order.total == 5 * 199_000


def test_a_channel_without_fulfilment_locations_publishes_0_and_says_why(places):
    # given
    channel = ChannelFactory(code="tiki", name="Tiki", kind=SalesChannel.Kind.TIKI)
    sku = SkuFactory(code="AO-001")
    services.stock_receive(sku=sku, location=places["warehouse"], quantity=9)
    # when
    listing = services.listing_upsert(sku=sku, channel=channel)
    # then
    assert listing.published_quantity == 0
    with pytest.raises(NoFulfilmentLocation) as error:
        services.order_ingest(channel_code="tiki", payload=order_payload(quantity=1))
    assert "chưa khai báo kho xuất hàng" in error.value.message
    # a marketplace webhook order (sold already) is kept, held with the reason
    held = services.order_ingest(channel_code="tiki", payload=order_payload(external_id="T-2"), hold_on_shortage=True)
    assert held.order.is_held and "chưa khai báo kho xuất hàng" in held.order.hold_reason


@pytest.mark.postgres
def test_a_move_marks_only_the_listings_whose_number_changes(places, monkeypatch):
    # given: Shopee ships from the warehouse, the website also from store A; both acknowledged
    monkeypatch.setattr(services, "_enqueue_push", lambda *ids: None)
    shopee = ChannelFactory(code="shopee", kind=SalesChannel.Kind.SHOPEE)
    website = ChannelFactory(code="website", kind=SalesChannel.Kind.WEBSITE)
    services.channel_locations_set(channel=shopee, locations=[places["warehouse"]])
    services.channel_locations_set(channel=website, locations=[places["warehouse"], places["store_a"]])
    sku = SkuFactory(code="AO-001")
    services.stock_receive(sku=sku, location=places["warehouse"], quantity=5)
    for channel in (shopee, website):
        services.listing_upsert(sku=sku, channel=channel)
    Listing.objects.update(
        sync_state=Listing.SyncState.IN_SYNC,
        synced_price=F("price"),
        synced_quantity=F("published_quantity"),
        synced_active=True,
        synced_content_version=F("content_version"),
    )
    before = _row_versions()
    # when: units arrive at store A, and at store B (nobody sells from there)
    services.stock_receive(sku=sku, location=places["store_a"], quantity=4)
    services.stock_receive(sku=sku, location=places["store_b"], quantity=4)
    # then: only the website's listing changed and waits; Shopee's row was not even written
    rows = {row.channel.code: row for row in Listing.objects.select_related("channel")}
    assert (rows["website"].published_quantity, rows["website"].sync_state) == (9, Listing.SyncState.PENDING)
    assert (rows["shopee"].published_quantity, rows["shopee"].sync_state) == (5, Listing.SyncState.IN_SYNC)
    assert _row_versions()["shopee"] == before["shopee"]


def _row_versions() -> dict[str, str]:
    """PostgreSQL's xmin per listing: it changes exactly when the row is written."""
    from channels.models import SalesChannel as C

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.code, l.xmin::text FROM {Listing._meta.db_table} l JOIN {C._meta.db_table} c ON c.id = l.channel_id"
        )
        return dict(cursor.fetchall())
