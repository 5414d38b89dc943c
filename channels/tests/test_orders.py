import pytest

from channels import selectors, services
from channels.errors import InsufficientStock, InvalidTransition
from channels.models import Order, Stock, StockMovement

from .conftest import order_payload
from .factories import SkuFactory


def _stock(sku, location):
    return Stock.objects.get(sku=sku, location=location)


def test_order_ingest_reserves_stock_and_records_the_customer(shopee, stocked, warehouse):
    # given
    sku = stocked(5)
    # when
    result = services.order_ingest(channel_code="shopee", payload=order_payload(quantity=2))
    # then
    assert result.created
    order = result.order
    assert order.stock_state == Order.StockState.RESERVED
    stock = _stock(sku, warehouse)
    assert (stock.on_hand, stock.reserved) == (5, 2)
    assert order.customer is not None
    assert selectors.orders_for_customer(order.customer, limit=5) == [order]


def test_order_ingest_is_idempotent_on_five_deliveries(shopee, stocked, warehouse):
    # given
    sku = stocked(5)
    # when
    results = [services.order_ingest(channel_code="shopee", payload=order_payload(quantity=1)) for _ in range(5)]
    # then
    assert [r.created for r in results] == [True, False, False, False, False]
    assert Order.objects.count() == 1
    assert _stock(sku, warehouse).reserved == 1


def test_out_of_order_status_updates_apply_only_the_newest(shopee, stocked, warehouse):
    # given
    sku = stocked(3)
    services.order_ingest(channel_code="shopee", payload=order_payload(updated_at="2026-11-20T10:00:00+07:00"))
    # when: "shipped" (11:00) arrives before "confirmed" (10:30)
    services.order_ingest(
        channel_code="shopee", payload=order_payload(status="shipped", updated_at="2026-11-20T11:00:00+07:00")
    )
    late = services.order_ingest(
        channel_code="shopee", payload=order_payload(status="confirmed", updated_at="2026-11-20T10:30:00+07:00")
    )
    again = services.order_ingest(
        channel_code="shopee", payload=order_payload(status="shipped", updated_at="2026-11-20T11:00:00+07:00")
    )
    # then
    order = Order.objects.get()
    assert order.status == Order.Status.SHIPPED
    assert not late.status_applied and not again.status_applied
    stock = _stock(sku, warehouse)
    assert (stock.on_hand, stock.reserved) == (2, 0)
    assert StockMovement.objects.filter(kind=StockMovement.Kind.SALE).count() == 1


def test_order_with_unknown_sku_is_held_not_dropped(shopee, stocked):
    # given
    stocked(3)
    # when
    result = services.order_ingest(channel_code="shopee", payload=order_payload(sku="KHONG-CO"))
    # then
    order = result.order
    assert order.is_held
    assert "KHONG-CO" in order.hold_reason
    assert order.lines.get().sku is None
    assert order.stock_state == Order.StockState.NONE


def test_short_stock_refuses_and_reserves_nothing(shopee, stocked, warehouse, sku):
    # given
    stocked(1)
    payload = order_payload(quantity=1)
    payload["lines"].append({"sku": "AO-001", "quantity": 5, "unit_price": 1})
    # when / then
    with pytest.raises(InsufficientStock):
        services.order_ingest(channel_code="shopee", payload=payload)
    assert Order.objects.count() == 0
    assert _stock(sku, warehouse).reserved == 0


def test_cancel_releases_and_only_valid_transitions(shopee, stocked, warehouse):
    # given
    sku = stocked(2)
    order = services.order_ingest(channel_code="shopee", payload=order_payload()).order
    # when / then
    with pytest.raises(InvalidTransition):
        services.order_status_change(order=order, status=Order.Status.DELIVERED)
    services.order_status_change(order=order, status=Order.Status.CANCELLED)
    assert _stock(sku, warehouse).reserved == 0
    with pytest.raises(InvalidTransition):
        services.order_status_change(order=order, status=Order.Status.CONFIRMED)


def test_ledger_rebuilds_stock(shopee, stocked, warehouse):
    # given
    sku = stocked(4)
    order = services.order_ingest(channel_code="shopee", payload=order_payload(quantity=3)).order
    services.order_status_change(order=order, status=Order.Status.CONFIRMED)
    services.order_status_change(order=order, status=Order.Status.PACKED)
    services.order_status_change(order=order, status=Order.Status.SHIPPED)
    # when
    audit = services.stock_rebuild_check(sku=sku, location=warehouse)
    # then
    assert audit == {"ledger_on_hand": 1, "ledger_reserved": 0, "on_hand": 1, "reserved": 0}


def test_store_sale_commits_stock_at_the_store(pos, store, stocked, cashier):
    # given
    store.sales_channel = pos
    store.save()
    store.staff.add(cashier)
    sku = stocked(3, location=store)
    # when
    order = services.store_sale_create(
        store=store,
        cashier=cashier,
        lines=[{"sku": "AO-001", "quantity": 2, "unit_price": 199_000}],
        total=348_000,
        discount_total=50_000,
        idempotency_key="pos-1",
    )
    again = services.store_sale_create(
        store=store,
        cashier=cashier,
        lines=[{"sku": "AO-001", "quantity": 2, "unit_price": 199_000}],
        total=348_000,
        idempotency_key="pos-1",
    )
    # then
    assert again.pk == order.pk
    assert order.status == Order.Status.DELIVERED and order.fulfilment == Order.Fulfilment.IN_STORE
    assert order.total == 348_000
    stock = _stock(sku, store)
    assert (stock.on_hand, stock.reserved) == (1, 0)


def test_store_sale_total_only_and_refuses_other_store(pos, store, cashier, make_user):
    # given
    store.staff.add(cashier)
    # when
    order = services.store_sale_create(store=store, cashier=cashier, lines=[], total=500_000)
    # then
    assert order.total == 500_000 and order.lines.count() == 0
    stranger = make_user("cashier")
    from channels.errors import StoreNotAllowed

    with pytest.raises(StoreNotAllowed):
        services.store_sale_create(store=store, cashier=stranger, lines=[], total=1_000)


def test_order_find_by_number_or_external_id(shopee, stocked):
    stocked(1)
    order = services.order_ingest(channel_code="shopee", payload=order_payload(external_id="2511ABC")).order
    assert selectors.order_find(order.number) == order
    assert selectors.order_find("2511ABC") == order
    assert selectors.order_find("nope") is None


def test_status_updates_without_update_time_still_move_forward_only(shopee, stocked):
    # given: a channel that sends no updated_at
    stocked(2)
    payload = order_payload()
    services.order_ingest(channel_code="shopee", payload=payload)
    # when
    services.order_ingest(channel_code="shopee", payload={**payload, "status": "confirmed"})
    back = services.order_ingest(channel_code="shopee", payload={**payload, "status": "pending"})
    # then
    assert Order.objects.get().status == Order.Status.CONFIRMED
    assert not back.status_applied


def test_order_of_several_lines_reserves_each_sku_and_records_a_movement_per_line(shopee, stocked, warehouse, sku):
    # given
    stocked(5)
    other = SkuFactory(code="QUAN-01")
    stocked(4, the_sku=other)
    payload = order_payload(quantity=2)
    payload["lines"] += [
        {"sku": "QUAN-01", "quantity": 3, "unit_price": 1},
        {"sku": "AO-001", "quantity": 1, "unit_price": 1},
    ]
    # when
    order = services.order_ingest(channel_code="shopee", payload=payload).order
    # then
    assert order.stock_state == Order.StockState.RESERVED
    assert _stock(sku, warehouse).reserved == 3
    assert _stock(other, warehouse).reserved == 3
    reservations = StockMovement.objects.filter(order=order, kind=StockMovement.Kind.RESERVATION)
    assert sorted(reservations.values_list("sku__code", "reserved_delta")) == [
        ("AO-001", 1),
        ("AO-001", 2),
        ("QUAN-01", 3),
    ]


def test_several_lines_short_on_one_sku_name_that_line_and_reserve_nothing(shopee, stocked, warehouse, sku):
    # given
    stocked(5)
    other = SkuFactory(code="QUAN-01")
    stocked(2, the_sku=other)
    payload = order_payload(quantity=1)
    payload["lines"] = [
        {"sku": "QUAN-01", "quantity": 1, "unit_price": 1},
        {"sku": "AO-001", "quantity": 1, "unit_price": 1},
        {"sku": "QUAN-01", "quantity": 2, "unit_price": 1},
    ]
    # when
    with pytest.raises(InsufficientStock) as error:
        services.order_ingest(channel_code="shopee", payload=payload)
    # then
    assert set(error.value.fields) == {"lines.2.quantity"}
    assert Order.objects.count() == 0
    assert _stock(sku, warehouse).reserved == 0
    assert _stock(other, warehouse).reserved == 0


def test_several_lines_with_a_sku_never_stocked_there_are_short(shopee, stocked, warehouse, sku):
    # given
    stocked(5)
    SkuFactory(code="QUAN-01")
    payload = order_payload(quantity=1)
    payload["lines"].append({"sku": "QUAN-01", "quantity": 1, "unit_price": 1})
    # when / then
    with pytest.raises(InsufficientStock):
        services.order_ingest(channel_code="shopee", payload=payload)
    assert _stock(sku, warehouse).reserved == 0


def test_a_short_webhook_order_of_several_lines_is_held_with_nothing_reserved(shopee, stocked, warehouse, sku):
    # given
    stocked(5)
    other = SkuFactory(code="QUAN-01")
    stocked(1, the_sku=other)
    payload = order_payload(quantity=1)
    payload["lines"].append({"sku": "QUAN-01", "quantity": 2, "unit_price": 1})
    # when
    order = services.order_ingest(channel_code="shopee", payload=payload, hold_on_shortage=True).order
    # then
    order.refresh_from_db()
    assert order.is_held and "QUAN-01" in order.hold_reason
    assert order.stock_state == Order.StockState.NONE
    assert _stock(sku, warehouse).reserved == 0
    assert _stock(other, warehouse).reserved == 0


def _two_sku_order(stocked, sku, external_id="SP-2"):
    other = SkuFactory(code="QUAN-01")
    stocked(6)
    stocked(6, the_sku=other)
    payload = order_payload(external_id=external_id, quantity=2)
    payload["lines"] += [
        {"sku": "QUAN-01", "quantity": 1, "unit_price": 1},
        {"sku": "AO-001", "quantity": 1, "unit_price": 1},
    ]
    return services.order_ingest(channel_code="shopee", payload=payload).order, other


def test_shipping_then_returning_an_order_of_several_lines_moves_each_sku_and_the_ledger_agrees(
    shopee, stocked, warehouse, sku
):
    # given
    order, other = _two_sku_order(stocked, sku)
    # when
    services.order_status_change(order=order, status=Order.Status.CONFIRMED)
    services.order_status_change(order=order, status=Order.Status.PACKED)
    services.order_status_change(order=order, status=Order.Status.SHIPPED)
    # then
    assert (_stock(sku, warehouse).on_hand, _stock(sku, warehouse).reserved) == (3, 0)
    assert (_stock(other, warehouse).on_hand, _stock(other, warehouse).reserved) == (5, 0)
    # when
    services.order_status_change(order=order, status=Order.Status.RETURNED)
    # then
    for the_sku in (sku, other):
        assert (_stock(the_sku, warehouse).on_hand, _stock(the_sku, warehouse).reserved) == (6, 0)
        audit = services.stock_rebuild_check(sku=the_sku, location=warehouse)
        assert audit == {"ledger_on_hand": 6, "ledger_reserved": 0, "on_hand": 6, "reserved": 0}
    assert StockMovement.objects.filter(order=order, kind=StockMovement.Kind.SALE).count() == 3
    assert StockMovement.objects.filter(order=order, kind=StockMovement.Kind.RETURN).count() == 3


def test_cancelling_an_order_of_several_lines_releases_every_sku(shopee, stocked, warehouse, sku):
    # given
    order, other = _two_sku_order(stocked, sku)
    # when
    services.order_status_change(order=order, status=Order.Status.CANCELLED)
    # then
    for the_sku in (sku, other):
        assert (_stock(the_sku, warehouse).on_hand, _stock(the_sku, warehouse).reserved) == (6, 0)
    assert sorted(
        StockMovement.objects.filter(order=order, kind=StockMovement.Kind.RELEASE).values_list(
            "sku__code", "reserved_delta", "on_hand_delta"
        )
    ) == [("AO-001", -2, 0), ("AO-001", -1, 0), ("QUAN-01", -1, 0)]


def test_an_online_order_ships_from_a_store_the_channel_ships_from(shopee, stocked, warehouse, store):
    # given: Shopee ships from the warehouse and the store; the warehouse is empty
    services.channel_locations_set(channel=shopee, locations=[warehouse, store])
    sku = stocked(3, location=store)
    # when
    result = services.order_ingest(channel_code="shopee", payload=order_payload(quantity=2))
    # then: reserved at the store, not refused for the empty warehouse
    assert result.order.stock_state == Order.StockState.RESERVED
    assert (_stock(sku, store).on_hand, _stock(sku, store).reserved) == (3, 2)


def test_an_online_order_never_takes_units_of_a_store_its_channel_does_not_ship_from(shopee, stocked, store):
    # given: Shopee ships from the warehouse only; the units are at a store
    sku = stocked(3, location=store)
    # when / then: refused, the store's units untouched, and Shopee publishes 0
    with pytest.raises(InsufficientStock):
        services.order_ingest(channel_code="shopee", payload=order_payload(quantity=1))
    assert _stock(sku, store).reserved == 0
    assert services.listing_upsert(sku=sku, channel=shopee).published_quantity == 0


def test_an_online_order_prefers_the_warehouse_when_it_has_the_units(shopee, stocked, warehouse, store):
    sku = stocked(3, location=store)
    stocked(3)
    services.order_ingest(channel_code="shopee", payload=order_payload(quantity=2))
    assert _stock(sku, warehouse).reserved == 2
    assert _stock(sku, store).reserved == 0
