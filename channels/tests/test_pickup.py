"""Click & collect: pick at the store, tell the customer once, hand over at the counter."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from channels import services
from channels.models import CheckIn, Order, Stock
from customers.models import Activity, Message
from o2o_site.roles import Role

from .conftest import order_payload
from .factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(make_user):
    return make_user(Role.INVENTORY, username="integration")


@pytest.fixture
def pickup(api_as, integration, website, stocked, store):
    """`pickup(external_id)` → a website order to collect at the store (2 units reserved there)."""
    stocked(20, location=store)

    def make(external_id="W-1"):
        response = api_as(integration).post(
            "/api/v1/channels/website/orders/",
            order_payload(external_id=external_id, quantity=2, fulfilment="pickup", store=store.code),
            format="json",
        )
        assert response.status_code == 201, response.json()
        return response.json()

    return make


def _status(client, number, status):
    return client.post(f"/api/v1/orders/{number}/status/", {"status": status}, format="json")


def test_a_pickup_order_reserves_at_the_store_and_shows_its_pickup_facts(pickup, api_as, integration, sku, store):
    # when
    order = pickup()
    # then
    assert (order["fulfilment"], order["status"], order["store"], order["pickup_code"]) == (
        "pickup",
        "pending",
        "hn-01",
        "",
    )
    assert Stock.objects.get(sku=sku, location=store).reserved == 2


def test_ready_sends_the_notice_with_code_and_qr_link_exactly_once(pickup, api_as, integration):
    # given
    number = pickup()["number"]
    client = api_as(integration)
    # when: "ready" posted three times (a double tap, a retry)
    answers = [_status(client, number, "ready_for_pickup") for _ in range(3)]
    # then
    assert [a.status_code for a in answers] == [200, 200, 200]
    shown = client.get(f"/api/v1/orders/{number}/").json()
    assert shown["status"] == "ready_for_pickup" and len(shown["pickup_code"]) == 6
    notices = Message.objects.filter(ref_type="order", ref_id=number, idempotency_key=f"pickup-ready:{number}")
    assert notices.count() == 1
    body = notices.get().body
    assert shown["pickup_code"] in body and "/c/" in body


def test_a_pickup_goes_ready_then_collected_without_being_shipped(pickup, api_as, integration, sku, store):
    number = pickup()["number"]
    client = api_as(integration)
    assert _status(client, number, "ready_for_pickup").status_code == 200
    collected = _status(client, number, "collected")
    assert collected.status_code == 200, collected.json()
    stock = Stock.objects.get(sku=sku, location=store)
    assert (stock.on_hand, stock.reserved) == (18, 0)
    # a shipped order cannot be "collected", a pickup cannot be "shipped"
    assert _status(client, number, "shipped").status_code == 409


def test_collect_at_the_counter_is_a_check_in_on_the_timeline(pickup, api_as, integration, make_user, store):
    # given
    number = pickup()["number"]
    _status(api_as(integration), number, "ready_for_pickup")
    code = Order.objects.get(number=number).pickup_code
    cashier = make_user(Role.CASHIER, stores=[store])
    # when: typed in lower case with a space, as people do
    response = api_as(cashier).post(
        "/api/v1/pickups/collect/", {"store": store.code, "code": f" {code[:3].lower()} {code[3:]}"}, format="json"
    )
    # then
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "collected"
    order = Order.objects.get(number=number)
    visit = CheckIn.objects.get(customer=order.customer)
    assert (visit.store, visit.method) == (store, CheckIn.Method.PICKUP)
    assert Activity.objects.filter(customer=order.customer, kind="checkin", store_code=store.code).exists()


def test_collect_refuses_wrong_store_twice_unknown_and_other_stores_staff(
    pickup, api_as, integration, make_user, store
):
    # given
    other = StoreFactory(code="hcm-01", name="Cửa hàng Quận 1")
    number = pickup()["number"]
    _status(api_as(integration), number, "ready_for_pickup")
    code = Order.objects.get(number=number).pickup_code
    here = api_as(make_user(Role.MANAGER))

    def collect(store_code, the_code):
        return here.post("/api/v1/pickups/collect/", {"store": store_code, "code": the_code}, format="json")

    # then: the code typed at another store names the right one
    wrong = collect(other.code, code)
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "wrong_store"
    assert "Cửa hàng Hoàn Kiếm" in wrong.json()["error"]["message"]
    assert collect("hn-01", "ZZZZZZ").status_code == 404
    assert collect("hn-01", "ZZZZZZ").json()["error"]["code"] == "not_found"
    assert collect("hn-01", code).status_code == 200
    twice = collect("hn-01", code)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_collected"
    assert collect("hn-01", "").status_code == 400
    # a cashier of another store may not collect at this one
    stranger = api_as(make_user(Role.CASHIER, stores=[other]))
    refused = stranger.post("/api/v1/pickups/collect/", {"store": "hn-01", "code": code}, format="json")
    assert refused.status_code == 403
    assert CheckIn.objects.count() == 1


def test_a_pickup_not_collected_in_time_goes_back_to_stock_and_the_customer_is_told(
    pickup, api_as, integration, sku, store, settings
):
    # given: ready four days ago, the store holds pickups three days
    settings.CHANNELS_PICKUP_HOLD_DAYS = 3
    number = pickup()["number"]
    _status(api_as(integration), number, "ready_for_pickup")
    Order.objects.filter(number=number).update(ready_at=timezone.now() - dt.timedelta(days=4))
    fresh = pickup("W-2")["number"]
    _status(api_as(integration), fresh, "ready_for_pickup")
    # when: the periodic task runs twice
    assert services.pickups_release_uncollected() == 1
    assert services.pickups_release_uncollected() == 0
    # then
    assert Order.objects.get(number=number).status == Order.Status.CANCELLED
    assert Order.objects.get(number=fresh).status == Order.Status.READY_FOR_PICKUP
    assert Stock.objects.get(sku=sku, location=store).reserved == 2  # only the fresh order's
    assert Message.objects.filter(idempotency_key=f"pickup-released:{number}").count() == 1


def test_a_pickup_order_needs_a_store(api_as, integration, website, stocked):
    stocked(2)
    response = api_as(integration).post(
        "/api/v1/channels/website/orders/", order_payload(fulfilment="pickup"), format="json"
    )
    assert response.status_code == 400 and "store" in response.json()["error"]["fields"]


def test_the_pickup_screen_lists_tasks_late_ones_stand_out(
    client, pickup, api_as, integration, make_user, store, settings, django_assert_max_num_queries
):
    # given: one order placed three hours ago (promise two hours), one just now, one ready
    settings.CHANNELS_PICKUP_PROMISE_MINUTES = 120
    late = pickup("W-1")["number"]
    Order.objects.filter(number=late).update(placed_at=timezone.now() - dt.timedelta(hours=3))
    on_time = pickup("W-2")["number"]
    Order.objects.filter(number=on_time).update(placed_at=timezone.now() - dt.timedelta(minutes=30))
    ready = pickup("W-3")["number"]
    _status(api_as(integration), ready, "ready_for_pickup")
    client.force_login(make_user(Role.CASHIER, stores=[store]))
    # when
    with django_assert_max_num_queries(12):
        page = client.get(reverse("channels:pickups"))
    # then
    body = page.content.decode()
    assert page.status_code == 200
    assert "Trễ hẹn" in body and "Còn" in body
    tasks = page.context["tasks"]
    assert [t.order.number for t in tasks["to_pick"] if t.late] == [late]
    assert [t.order.number for t in tasks["ready"]] == [ready]


def test_the_pickup_screen_query_count_does_not_grow(client, pickup, make_user, store, django_assert_max_num_queries):
    client.force_login(make_user(Role.CASHIER, stores=[store]))
    pickup("W-1")
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("channels:pickups")).status_code == 200
    count = len(few.captured_queries)  # read now: the next requests reset Django's query log
    for i in range(2, 6):
        pickup(f"W-{i}")
    with django_assert_max_num_queries(count):
        client.get(reverse("channels:pickups"))


def test_the_pickup_pass_shows_the_code_and_qr_and_refuses_a_forged_link(client, pickup, api_as, integration):
    number = pickup()["number"]
    _status(api_as(integration), number, "ready_for_pickup")
    order = Order.objects.get(number=number)
    url = services.pickup_pass_url(order).split("127.0.0.1:8000", 1)[-1]
    page = client.get(url)
    assert page.status_code == 200 and order.pickup_code in page.content.decode() and "<svg" in page.content.decode()
    assert client.get(f"/c/{number}/").status_code == 404
