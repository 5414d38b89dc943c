"""Returns anywhere: the goods go to the store that took them back."""

import pytest

from channels import services
from channels.models import Order, Stock, StockMovement
from customers.models import Activity, Purchase
from o2o_site.roles import Role

from .conftest import order_payload
from .factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(shopee, stocked):
    """A Shopee order of 3 units shipped from the warehouse and delivered."""
    stocked(5)
    order = services.order_ingest(channel_code="shopee", payload=order_payload(quantity=3)).order
    for status in ("confirmed", "packed", "shipped", "delivered"):
        services.order_status_change(order=order, status=status)
    return Order.objects.get(pk=order.pk)


def _ret(client, number, store, lines):
    return client.post(f"/api/v1/orders/{number}/return/", {"store": store, "lines": lines}, format="json")


def test_a_return_at_another_store_puts_sellable_units_there_and_says_where(
    api_as, make_user, delivered, sku, warehouse, store
):
    # given: the order shipped from the warehouse; the customer walks into the Hoàn Kiếm store
    cashier = make_user(Role.CASHIER, stores=[store])
    # when: two back, one sellable and one damaged
    response = _ret(
        api_as(cashier),
        delivered.number,
        store.code,
        [
            {"sku": sku.code, "quantity": 1, "condition": "sellable"},
            {"sku": sku.code, "quantity": 1, "condition": "damaged"},
        ],
    )
    # then
    assert response.status_code == 201, response.json()
    assert response.json()["store"] == "hn-01"
    assert Stock.objects.get(sku=sku, location=store).on_hand == 1  # only the sellable one
    assert Stock.objects.get(sku=sku, location=warehouse).on_hand == 2  # 5 − 3 shipped, nothing back here
    moves = StockMovement.objects.filter(order=delivered, kind=StockMovement.Kind.RETURN)
    assert sorted(moves.values_list("location__code", "on_hand_delta")) == [("hn-01", 0), ("hn-01", 1)]
    note = Activity.objects.get(ref_type="order_return")
    assert note.store_code == "hn-01" and "Cửa hàng Hoàn Kiếm" in note.summary
    # partly returned: the purchase stands
    assert Order.objects.get(pk=delivered.pk).status == Order.Status.DELIVERED
    assert Purchase.objects.get(order_ref=delivered.number).reversed_at is None


def test_returning_everything_reverses_the_purchase_once(api_as, manager, delivered, sku, store):
    client = api_as(manager)
    assert _ret(client, delivered.number, store.code, [{"sku": sku.code, "quantity": 2}]).status_code == 201
    assert _ret(client, delivered.number, store.code, [{"sku": sku.code, "quantity": 1}]).status_code == 201
    order = Order.objects.get(pk=delivered.pk)
    assert order.status == Order.Status.RETURNED
    assert Purchase.objects.get(order_ref=order.number).reversed_at is not None


def test_returning_more_than_was_sold_is_refused_with_nothing_changed(api_as, manager, delivered, sku, store):
    client = api_as(manager)
    _ret(client, delivered.number, store.code, [{"sku": sku.code, "quantity": 2}])
    # when: two more of an order of three
    too_many = _ret(client, delivered.number, store.code, [{"sku": sku.code, "quantity": 2}])
    # then
    assert too_many.status_code == 422
    assert too_many.json()["error"]["code"] == "too_many"
    assert "còn trả được 1" in too_many.json()["error"]["fields"]["lines.0.quantity"][0]
    assert Stock.objects.get(sku=sku, location=store).on_hand == 2
    # a SKU not in the order, a bad condition, an unknown store
    assert _ret(client, delivered.number, store.code, [{"sku": "NOPE", "quantity": 1}]).status_code == 422
    bad = _ret(client, delivered.number, store.code, [{"sku": sku.code, "quantity": 1, "condition": "used"}])
    assert bad.status_code == 400
    assert _ret(client, delivered.number, "nowhere", [{"sku": sku.code, "quantity": 1}]).status_code == 404


def test_an_order_not_handed_over_is_cancelled_not_returned(api_as, manager, shopee, stocked, sku, store):
    stocked(2)
    order = services.order_ingest(channel_code="shopee", payload=order_payload(quantity=1)).order
    response = _ret(api_as(manager), order.number, store.code, [{"sku": sku.code, "quantity": 1}])
    assert response.status_code == 409


def test_a_cashier_takes_returns_only_at_their_own_store(api_as, make_user, delivered, sku, store):
    other = StoreFactory(code="hcm-01")
    cashier = make_user(Role.CASHIER, stores=[other])
    assert _ret(api_as(cashier), delivered.number, store.code, [{"sku": sku.code, "quantity": 1}]).status_code == 403
