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


def test_sync_status_shows_counts_failures_and_retry(client, inventory_user, lazada, website):
    # given
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


def test_sync_status_query_count_does_not_grow(client, manager, lazada, django_assert_max_num_queries):
    client.force_login(manager)
    _fail([services.listing_upsert(sku=SkuFactory(), channel=lazada) for _ in range(2)])
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("channels:sync-status"))
    _fail([services.listing_upsert(sku=SkuFactory(), channel=lazada) for _ in range(20)])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("channels:sync-status"))


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
    assert ok.status_code == 200 and "Cảm ơn" in ok.content.decode()
    checkin = CheckIn.objects.get()
    assert checkin.method == "qr" and checkin.utm == {"utm_source": "facebook", "utm_campaign": "tet"}


def test_store_qr_is_printable_svg(client, manager, store):
    client.force_login(manager)
    response = client.get(reverse("channels:store-qr", args=[store.code]))
    assert response.status_code == 200 and "<svg" in response.content.decode()


def test_feed_needs_its_token(client, settings, db):
    from .factories import ChannelFactory

    channel = ChannelFactory(code="facebook", kind="facebook")
    services.listing_upsert(sku=SkuFactory(code="FB-1"), channel=channel)
    settings.CHANNELS_CREDENTIALS = {"facebook": {"feed_token": "abc"}}
    assert client.get("/channels/feeds/facebook.tsv?token=nope").status_code == 404
    feed = client.get("/channels/feeds/facebook.tsv?token=abc")
    assert feed.status_code == 200 and "FB-1" in feed.content.decode()


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
