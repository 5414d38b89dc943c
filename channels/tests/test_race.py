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
