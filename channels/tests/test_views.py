import pytest
from django.urls import reverse

from channels import services
from channels.models import ChannelGoal, CheckIn, Listing

from .conftest import order_payload
from .factories import SkuFactory

pytestmark = pytest.mark.django_db


def _fail(listings, error="Giá vượt quá giới hạn"):
    Listing.objects.filter(pk__in=[x.pk for x in listings]).update(
        sync_state=Listing.SyncState.FAILED, attempts=5, last_error=error
    )


@pytest.fixture
def lazada_configured(settings, lazada):
    """Lazada with credentials (pointing at a closed port: nothing answers)."""
    settings.CHANNELS_CREDENTIALS = {
        "lazada": {"base_url": "http://127.0.0.1:9", "app_key": "1", "app_secret": "s", "access_token": "t"}
    }
    return lazada


def test_sync_status_shows_counts_failures_and_retry(client, inventory_user, lazada_configured, website):
    # given
    lazada = lazada_configured
    listings = [services.listing_upsert(sku=SkuFactory(), channel=lazada) for _ in range(3)]
    _fail(listings[:2])
    client.force_login(inventory_user)
    # when
    response = client.get(reverse("channels:sync-status"))
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "Giá vượt quá giới hạn" in body and "Thử lại" in body
    summary = {row["channel"].code: row for row in response.context["summary"]}
    assert (summary["lazada"]["failed"], summary["lazada"]["pending"]) == (2, 1)
    # when: retry
    retry = client.post(reverse("channels:sync-retry", args=["lazada"]))
    assert retry.status_code == 302
    assert not Listing.objects.filter(sync_state=Listing.SyncState.FAILED).exists()


def test_sync_status_query_count_does_not_grow(client, manager, lazada_configured, django_assert_max_num_queries):
    lazada = lazada_configured
    client.force_login(manager)
    _fail([services.listing_upsert(sku=SkuFactory(), channel=lazada) for _ in range(2)])
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("channels:sync-status"))
    _fail([services.listing_upsert(sku=SkuFactory(), channel=lazada) for _ in range(20)])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("channels:sync-status"))


def test_a_channel_without_credentials_is_never_counted_in_sync(client, inventory_user, shopee, warehouse, api_as):
    # given: Shopee listings that an old run marked "in sync" though Shopee has no credentials
    listings = [services.listing_upsert(sku=SkuFactory(), channel=shopee) for _ in range(3)]
    Listing.objects.filter(pk__in=[x.pk for x in listings]).update(sync_state=Listing.SyncState.IN_SYNC)
    client.force_login(inventory_user)
    # when
    response = client.get(reverse("channels:sync-status"))
    # then: the screen says "not configured" in grey, with the set-up link and what is missing
    row = {r["channel"].code: r for r in response.context["summary"]}["shopee"]
    assert (row["not_configured"], row["in_sync"], row["price_unsynced"]) == (3, 0, None)
    body = response.content.decode()
    assert "Chưa cấu hình" in body and "CHANNEL_SHOPEE_PARTNER_KEY" in body
    assert reverse("admin:channels_saleschannel_change", args=[shopee.pk]) in body
    # and the API tells the same
    api = api_as(inventory_user)
    states = {x["sync_state"] for x in api.get("/api/v1/listings/?channel=shopee").json()["results"]}
    assert states == {"not_configured"}
    assert api.get("/api/v1/listings/?sync_state=in_sync").json()["count"] == 0
    # when the periodic task runs, the rows themselves catch up
    services.sync_due_channels()
    assert set(Listing.objects.filter(channel=shopee).values_list("sync_state", flat=True)) == {"not_configured"}


def test_sync_screen_counts_per_field_what_the_channel_does_not_hold(
    client, inventory_user, lazada_configured, warehouse, monkeypatch
):
    # given: two Lazada listings the channel acknowledged
    from channels.adapters.lazada import LazadaAdapter

    monkeypatch.setattr(LazadaAdapter, "_push", lambda self, items: {i.listing_id: None for i in items})
    lazada = lazada_configured
    a, b = SkuFactory(), SkuFactory()
    for sku in (a, b):
        services.listing_upsert(sku=sku, channel=lazada)
    services.listings_push_channel(channel_id=lazada.pk)
    # when: a's price changes, b's stock moves (no push yet)
    monkeypatch.setattr(services, "_enqueue_push", lambda *ids: None)
    services.sku_prices_change(skus=[a], price=1_000)
    services.stock_receive(sku=b, location=warehouse, quantity=2)
    client.force_login(inventory_user)
    row = {r["channel"].code: r for r in client.get(reverse("channels:sync-status")).context["summary"]}["lazada"]
    # then: one price, one stock waiting; content is not something Lazada receives from us
    assert (row["pending"], row["price_unsynced"], row["stock_unsynced"], row["content_unsynced"]) == (2, 1, 1, None)


def test_screens_are_closed_to_other_roles(client, agent, cashier):
    client.force_login(agent)
    assert client.get(reverse("channels:sync-status")).status_code == 403
    assert client.get(reverse("channels:orders")).status_code == 403
    client.force_login(cashier)
    assert client.get(reverse("channels:goals")).status_code == 403


def test_order_screens_and_query_count(client, manager, shopee, stocked, django_assert_max_num_queries):
    stocked(40)
    client.force_login(manager)
    for i in range(2):
        services.order_ingest(channel_code="shopee", payload=order_payload(external_id=f"O{i}"))
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("channels:orders"), {"channel": "shopee"})
    for i in range(2, 15):
        services.order_ingest(channel_code="shopee", payload=order_payload(external_id=f"O{i}"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("channels:orders"), {"channel": "shopee", "status": "pending"})
    assert len(response.context["page"].object_list) == 15
    order = response.context["page"].object_list[0]
    detail = client.get(reverse("channels:order-detail", args=[order.number]))
    assert detail.status_code == 200
    moved = client.post(reverse("channels:order-detail", args=[order.number]), {"status": "confirmed"})
    assert moved.status_code == 302
    wrong = client.post(reverse("channels:order-detail", args=[order.number]), {"status": "delivered"}, follow=True)
    assert "Không thể chuyển" in wrong.content.decode()


def test_public_store_page_records_a_qr_checkin_with_utm(client, store):
    url = reverse("channels:store-checkin", args=[store.code]) + "?utm_source=facebook&utm_campaign=tet"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"phone": "123"})
    assert bad.status_code == 200 and CheckIn.objects.count() == 0
    ok = client.post(url, {"phone": "0912 345 678", "full_name": "Lê Thị Hoa"})
    assert ok.status_code == 200 and "Nhập mã xác nhận" in ok.content.decode()
    checkin = CheckIn.objects.get()
    assert checkin.method == "qr" and checkin.utm == {"utm_source": "facebook", "utm_campaign": "tet"}


def test_store_qr_is_printable_svg(client, manager, store):
    client.force_login(manager)
    response = client.get(reverse("channels:store-qr", args=[store.code]))
    assert response.status_code == 200 and "<svg" in response.content.decode()


def test_feed_needs_its_token(client, settings, db):
    from .factories import ChannelFactory, ProductFactory

    channel = ChannelFactory(code="facebook", kind="facebook")
    product = ProductFactory(brand="Acme", image_url="https://cdn.example.vn/fb-1.jpg")
    services.listing_upsert(sku=SkuFactory(code="FB-1", product=product), channel=channel)
    settings.CHANNELS_CREDENTIALS = {"facebook": {"feed_token": "abc"}}
    assert client.get("/channels/feeds/facebook.tsv?token=nope").status_code == 404
    feed = client.get("/channels/feeds/facebook.tsv?token=abc")
    assert feed.status_code == 200 and "FB-1" in feed.content.decode()


def test_the_feed_has_googles_required_attributes_a_working_link_and_sellable_availability(
    client, settings, warehouse, store
):
    import csv
    import io

    from .factories import ChannelFactory, ProductFactory

    # given: a Google feed shipping from the warehouse; a two-colour product with images, units
    # only at a store (not sellable online) for one colour; a product without an image
    settings.CHANNELS_CREDENTIALS = {"google": {"feed_token": "abc"}}
    channel = ChannelFactory(code="google", kind="facebook")
    services.channel_locations_set(channel=channel, locations=[warehouse])
    shirt = ProductFactory(name="Áo polo", brand="Acme", description="Cotton", image_url="https://cdn.example.vn/p.jpg")
    red = SkuFactory(code="POLO-DO", product=shirt, options={"màu": "Đỏ"}, barcode="8934567890128")
    blue = SkuFactory(code="POLO-XANH", product=shirt, options={"màu": "Xanh"}, barcode="")
    bare = SkuFactory(code="NO-IMG", product=ProductFactory(brand="Acme"))
    services.stock_receive(sku=red, location=warehouse, quantity=2)
    services.stock_receive(sku=blue, location=store, quantity=5)
    for sku in (red, blue, bare):
        services.listing_upsert(sku=sku, channel=channel)
    # when
    feed = client.get("/channels/feeds/google.tsv?token=abc")
    # then
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(feed.content.decode()), delimiter="\t")}
    assert set(rows) == {"POLO-DO", "POLO-XANH"}
    for name in ("id", "title", "description", "link", "image_link", "availability", "price", "brand", "condition"):
        assert all(row[name] for row in rows.values()), name
    assert rows["POLO-DO"]["availability"] == "in_stock" and rows["POLO-XANH"]["availability"] == "out_of_stock"
    assert rows["POLO-DO"]["item_group_id"] == rows["POLO-XANH"]["item_group_id"] != ""
    assert (rows["POLO-DO"]["color"], rows["POLO-DO"]["gtin"], rows["POLO-DO"]["identifier_exists"]) == (
        "Đỏ",
        "8934567890128",
        "yes",
    )
    assert rows["POLO-XANH"]["identifier_exists"] == "no"
    assert rows["POLO-DO"]["image_link"] == "https://cdn.example.vn/p.jpg"
    # the product link answers (the public product page)
    link = rows["POLO-DO"]["link"].split("127.0.0.1:8000", 1)[-1]
    page = client.get(link)
    assert page.status_code == 200 and "Áo polo" in page.content.decode()
    # the served ones are in sync; the one without an image failed with the reason
    states = dict(Listing.objects.values_list("sku__code", "sync_state"))
    assert states == {"POLO-DO": "in_sync", "POLO-XANH": "in_sync", "NO-IMG": "failed"}
    assert "image_link" in Listing.objects.get(sku=bare).last_error


def test_the_public_product_page_is_404_for_an_unknown_sku(client, db):
    assert client.get("/p/NOPE/").status_code == 404


def test_goals_rise_month_by_month(client, manager, shopee):
    client.force_login(manager)
    response = client.post(
        reverse("channels:goals"),
        {
            "channel": "shopee",
            "year": 2026,
            "start_month": 1,
            "revenue": 100_000_000,
            "orders": 100,
            "new_customers": 20,
            "monthly_rise_percent": 10,
        },
    )
    assert response.status_code == 302
    goals = list(ChannelGoal.objects.order_by("month"))
    assert len(goals) == 12
    assert [g.revenue_target for g in goals[:3]] == [100_000_000, 110_000_000, 121_000_000]
    page = client.get(reverse("channels:goals"), {"channel": "shopee", "year": 2026})
    assert page.status_code == 200 and len(page.context["rows"]) == 12


def test_goals_ignores_a_bad_year(client, manager, shopee):
    client.force_login(manager)
    assert client.get(reverse("channels:goals"), {"year": "năm ngoái", "channel": "nope"}).status_code == 200


def test_goals_open_on_a_channel_that_has_goals(client, manager, lazada, shopee, website):
    # given goals for this year on shopee only (lazada comes first by code)
    from django.utils import timezone

    services.goals_set_for_year(
        channel=shopee, year=timezone.localdate().year, revenue=50_000_000, orders=10, new_customers=5
    )
    client.force_login(manager)
    # when the manager opens the goals screen with no channel picked
    response = client.get(reverse("channels:goals"))
    # then it shows shopee's goals, not an empty table
    assert response.context["channel"] == shopee
    assert len(response.context["rows"]) == 12


def test_order_filters_and_actions_read_as_words(client, manager, shopee, stocked):
    # given a shipped order
    stocked(5)
    client.force_login(manager)
    order = services.order_ingest(channel_code="shopee", payload=order_payload(external_id="R1", status="shipped"))
    number = order.order.number
    # then the filters never show Django's "---------" and the return is an action, not a state
    listing = client.get(reverse("channels:orders")).content.decode()
    assert "---------" not in listing
    assert "Mọi kênh" in listing and "Mọi cửa hàng" in listing
    detail = client.get(reverse("channels:order-detail", args=[number])).content.decode()
    assert "Ghi nhận trả hàng" in detail
    assert "Ghi nhận đã giao" in detail
    goals = client.get(reverse("channels:goals")).content.decode()
    assert "---------" not in goals
