"""The last units under real concurrency: parallel PostgreSQL connections, one per thread."""

import threading

import pytest
from django.db import connection

from channels import services
from channels.errors import InsufficientStock
from channels.models import Order, SalesChannel, Stock

from .factories import ChannelFactory, SkuFactory, StoreFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_orders_from_three_channels_for_the_last_three_units():
    # given
    warehouse = StoreFactory(code="kho", is_warehouse=True)
    channels = [
        ChannelFactory(code="shopee", kind=SalesChannel.Kind.SHOPEE),
        ChannelFactory(code="lazada", kind=SalesChannel.Kind.LAZADA),
        ChannelFactory(code="website", kind=SalesChannel.Kind.WEBSITE),
    ]
    for channel in channels:
        services.channel_locations_set(channel=channel, locations=[warehouse])
    sku = SkuFactory(code="LAST-3")
    services.stock_receive(sku=sku, location=warehouse, quantity=3)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy(i: int):
        try:
            barrier.wait()
            services.order_ingest(
                channel_code=channels[i % 3].code,
                payload={
                    "external_id": f"race-{i}",
                    "customer": {"phone": f"09123450{i:02d}"},
                    "lines": [{"sku": "LAST-3", "quantity": 1, "unit_price": 100_000}],
                },
            )
            result = "ok"
        except InsufficientStock as exc:
            result = f"short:{exc.code}"
        except Exception as exc:  # any other failure is a test failure, reported below
            result = f"error:{exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    # when
    threads = [threading.Thread(target=buy, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # then
    assert outcomes.count("ok") == 3, outcomes
    assert outcomes.count("short:insufficient_stock") == 17, outcomes
    stock = Stock.objects.get(sku=sku, location=warehouse)
    assert (stock.on_hand, stock.reserved) == (3, 3)
    assert Order.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_orders_of_two_skus_in_opposite_line_order_never_deadlock_or_oversell():
    # given: 5 of each SKU, 12 orders of one of each, half listing them in the other order
    warehouse = StoreFactory(code="kho", is_warehouse=True)
    channel = ChannelFactory(code="shopee", kind=SalesChannel.Kind.SHOPEE)
    services.channel_locations_set(channel=channel, locations=[warehouse])
    first, second = SkuFactory(code="PAIR-A"), SkuFactory(code="PAIR-B")
    for sku in (first, second):
        services.stock_receive(sku=sku, location=warehouse, quantity=5)
    barrier = threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy(i: int):
        lines = [
            {"sku": "PAIR-A", "quantity": 1, "unit_price": 100_000},
            {"sku": "PAIR-B", "quantity": 1, "unit_price": 100_000},
        ]
        try:
            barrier.wait()
            services.order_ingest(
                channel_code=channel.code,
                payload={
                    "external_id": f"pair-{i}",
                    "customer": {"phone": f"09123460{i:02d}"},
                    "lines": lines if i % 2 else lines[::-1],
                },
            )
            result = "ok"
        except InsufficientStock as exc:
            result = f"short:{exc.code}"
        except Exception as exc:  # a deadlock or any other failure is reported below
            result = f"error:{exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    # when
    threads = [threading.Thread(target=buy, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # then
    assert outcomes.count("ok") == 5, outcomes
    assert outcomes.count("short:insufficient_stock") == 7, outcomes
    for sku in (first, second):
        stock = Stock.objects.get(sku=sku, location=warehouse)
        assert (stock.on_hand, stock.reserved) == (5, 5)
    assert Order.objects.filter(stock_state=Order.StockState.RESERVED).count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_order_delivered_eight_times_at_once_is_recorded_and_reserved_once():
    # given
    warehouse = StoreFactory(code="kho", is_warehouse=True)
    channel = ChannelFactory(code="shopee", kind=SalesChannel.Kind.SHOPEE)
    services.channel_locations_set(channel=channel, locations=[warehouse])
    sku = SkuFactory(code="ONCE-1")
    services.stock_receive(sku=sku, location=warehouse, quantity=10)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def deliver(i: int):
        try:
            barrier.wait()
            result = services.order_ingest(
                channel_code=channel.code,
                payload={
                    "external_id": "same-1",
                    "customer": {"phone": "0912345699"},
                    "lines": [{"sku": "ONCE-1", "quantity": 2, "unit_price": 100_000}],
                },
            )
            outcome = f"ok:{result.order.number}:{result.created}"
        except Exception as exc:  # any failure is reported below
            outcome = f"error:{exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    # when
    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # then
    order = Order.objects.get(channel=channel, external_id="same-1")
    assert sorted(outcomes) == sorted([f"ok:{order.number}:True"] + [f"ok:{order.number}:False"] * 7), outcomes
    assert Stock.objects.get(sku=sku, location=warehouse).reserved == 2
    assert order.customer.purchases.count() == 1
