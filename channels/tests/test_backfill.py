"""Order backfill per marketplace: what a dropped webhook never brought, imported exactly once."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from channels import services
from channels.models import Order, OrderBackfill, SalesChannel, Stock

from . import marketplace_fakes
from .factories import ChannelFactory
from .fakeserver import FakePlatform

pytestmark = pytest.mark.django_db

KINDS = ["shopee", "lazada", "tiktok_shop", "tiki"]


@pytest.fixture
def marketplace(settings, warehouse):
    """`marketplace(kind, orders)` → (channel, fake) with credentials pointing at the fake."""
    opened = []

    def make(kind, orders):
        fake = FakePlatform(respond=marketplace_fakes.FAKES[kind](orders)).__enter__()
        opened.append(fake)
        channel = ChannelFactory(code=kind.replace("_", "-"), kind=kind)
        services.channel_locations_set(channel=channel, locations=[warehouse])
        settings.CHANNELS_CREDENTIALS = {channel.code: marketplace_fakes.CREDENTIALS[kind](fake.url)}
        return channel, fake

    yield make
    for fake in opened:
        fake.__exit__(None, None, None)


def _ts(minutes_ago: int) -> int:
    return int((timezone.now() - dt.timedelta(minutes=minutes_ago)).timestamp())


@pytest.mark.parametrize("kind", KINDS)
def test_backfill_imports_an_order_whose_webhook_was_dropped_once(marketplace, kind, stocked, sku, warehouse):
    # given: two orders updated in the last hour on the marketplace; no webhook came
    stocked(10)
    orders = [
        {"id": "900001", "sku": sku.code, "quantity": 2, "price": 199_000, "updated": _ts(50)},
        {"id": "900002", "sku": sku.code, "quantity": 1, "price": 199_000, "updated": _ts(20)},
    ]
    channel, fake = marketplace(kind, orders)
    # when: the backfill runs, then runs again (an overlapping window)
    first = services.orders_backfill(channel=channel)
    again = services.orders_backfill(channel=channel)
    # then: both imported once, stock reserved once
    assert (first.seen, first.created, first.error) == (2, 2, "")
    assert (again.created, again.error) == (0, "")
    assert sorted(Order.objects.filter(channel=channel).values_list("external_id", flat=True)) == ["900001", "900002"]
    assert Stock.objects.get(sku=sku, location=warehouse).reserved == 3
    assert OrderBackfill.objects.get(channel=channel).watermark is not None


def test_a_webhook_arriving_after_the_backfill_changes_nothing(marketplace, stocked, sku, warehouse):
    # given: Shopee's order came through the backfill
    stocked(10)
    orders = [{"id": "SN-1", "sku": sku.code, "quantity": 2, "price": 199_000, "updated": _ts(30)}]
    channel, fake = marketplace("shopee", orders)
    services.orders_backfill(channel=channel)
    # when: the late webhook lands and is processed
    body = json.dumps({"code": 3, "shop_id": 7, "data": {"ordersn": "SN-1", "status": "READY_TO_SHIP"}})
    event, _new = services.inbound_event_store(channel=channel, shop_id="7", event_id="late-1", body=body)
    processed = services.inbound_event_process(event_id=event.pk)
    # then
    assert processed.status == "processed"
    assert Order.objects.filter(channel=channel, external_id="SN-1").count() == 1
    assert Stock.objects.get(sku=sku, location=warehouse).reserved == 2


def test_backfill_follows_the_pages_and_moves_the_watermark_only_after_success(marketplace, stocked, sku):
    # given: 130 orders on TikTok Shop (two pages of 100)
    stocked(500)
    orders = [
        {"id": f"7{i:05d}", "sku": sku.code, "quantity": 1, "price": 100_000, "updated": _ts(200 - i)}
        for i in range(130)
    ]
    channel, fake = marketplace("tiktok_shop", orders)
    # when
    report = services.orders_backfill(channel=channel)
    # then
    assert (report.seen, report.created) == (130, 130)
    assert sum(1 for r in fake.requests if r.path.endswith("/orders/search")) == 2


def test_a_platform_error_keeps_the_watermark_and_shows_the_error(marketplace, settings, sku):
    # given: Tiki answers with an error
    channel, fake = marketplace("tiki", [])
    fake.respond = lambda req: {"errors": ["token expired"]}
    # when
    report = services.orders_backfill(channel=channel)
    # then
    state = OrderBackfill.objects.get(channel=channel)
    assert "token expired" in report.error and state.watermark is None and "token expired" in state.last_error
    assert state.leased_until is None  # the next run may try again


def test_a_channel_without_credentials_or_order_list_is_skipped(db):
    shopee = ChannelFactory(code="shopee", kind=SalesChannel.Kind.SHOPEE)
    website = ChannelFactory(code="website", kind=SalesChannel.Kind.WEBSITE)
    assert services.orders_backfill(channel=shopee).skipped == "not_configured"
    assert services.orders_backfill(channel=website).skipped == "no_order_list"


def test_a_leased_backfill_is_not_run_twice(marketplace):
    channel, fake = marketplace("lazada", [])
    OrderBackfill.objects.create(channel=channel, leased_until=timezone.now() + dt.timedelta(minutes=5))
    assert services.orders_backfill(channel=channel).skipped == "leased"
    assert not fake.requests
