"""Webhook → stored event → worker import, against a fake Lazada for the order details."""

import hashlib
import hmac
import json
import time

import pytest

from channels import services, tasks
from channels.adapters import lazada as lz
from channels.adapters import website as web
from channels.models import InboundEvent, Order

from .factories import SkuFactory
from .fakeserver import FakePlatform

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_lazada(settings, lazada):
    orders = {}

    def check(req):
        return (
            None
            if lz.api_sign(api_path=req.path, params=req.query, app_secret="s3cret") == req.query.get("sign")
            else "bad"
        )

    def respond(req):
        order = orders[req.query["order_id"]]
        if req.path == "/order/get":
            return {"code": "0", "data": {k: v for k, v in order.items() if k != "items"}}
        return {"code": "0", "data": order["items"]}

    with FakePlatform(check=check, respond=respond) as fake:
        settings.CHANNELS_CREDENTIALS = {
            "lazada": {"base_url": fake.url, "app_key": "appkey", "app_secret": "s3cret", "access_token": "t"}
        }
        fake.orders = orders
        yield fake


def _deliver(client, order_id, status, t):
    body = json.dumps(
        {
            "seller_id": "S1",
            "message_type": 0,
            "data": {"trade_order_id": order_id, "order_status": status, "status_update_time": t},
        }
    ).encode()
    sign = hmac.new(b"s3cret", b"appkey" + body, hashlib.sha256).hexdigest()
    return client.post(
        "/api/v1/channels/lazada/webhook/", body, content_type="application/json", HTTP_AUTHORIZATION=sign
    )


def _lazada_order(order_id, sku="AO-001", status="pending", units=1, updated="2026-11-20 10:00:00 +0700"):
    return {
        "order_id": order_id,
        "statuses": [status],
        "created_at": "2026-11-20 09:59:00 +0700",
        "updated_at": updated,
        "customer_first_name": "Trần",
        "customer_last_name": "Bình",
        "buyer_id": "LZB-1",
        "address_shipping": {"phone": "0987654321"},
        "price": "199000.00",
        "items": [{"sku": sku, "paid_price": "199000.00", "name": "Áo"} for _ in range(units)],
    }


def test_five_webhook_deliveries_import_one_order(client, fake_lazada, stocked, django_capture_on_commit_callbacks):
    # given
    stocked(5)
    fake_lazada.orders["LZ-1"] = _lazada_order("LZ-1", units=2)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            assert _deliver(client, "LZ-1", "pending", 100).status_code == 200
    # then
    order = Order.objects.get()
    assert order.external_id == "LZ-1" and order.channel.code == "lazada"
    assert sum(line.quantity for line in order.lines.all()) == 2
    assert InboundEvent.objects.get().status == InboundEvent.Status.PROCESSED


def test_webhook_order_with_unknown_sku_is_held(client, fake_lazada, django_capture_on_commit_callbacks):
    fake_lazada.orders["LZ-2"] = _lazada_order("LZ-2", sku="MA-LA")
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(client, "LZ-2", "pending", 1)
    order = Order.objects.get()
    assert order.is_held and "MA-LA" in order.hold_reason


def test_webhook_order_short_of_stock_is_held_not_lost(
    client, fake_lazada, django_capture_on_commit_callbacks, stocked
):
    stocked(1)
    fake_lazada.orders["LZ-3"] = _lazada_order("LZ-3", units=3)
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(client, "LZ-3", "pending", 1)
    order = Order.objects.get()
    assert order.is_held and order.stock_state == Order.StockState.NONE


def test_platform_down_keeps_the_event_for_the_periodic_retry(client, settings, lazada, stocked, monkeypatch):
    # given: the event is stored, but the platform cannot be reached
    stocked(2)
    settings.CHANNELS_CREDENTIALS = {
        "lazada": {"base_url": "http://127.0.0.1:9", "app_key": "appkey", "app_secret": "s3cret", "access_token": "t"}
    }
    monkeypatch.setattr(tasks.process_inbound_event, "delay", lambda pk: None)  # broker swallowed it
    _deliver(client, "LZ-4", "pending", 1)
    event = InboundEvent.objects.get()
    services.inbound_event_process(event_id=event.pk)
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.RECEIVED and event.attempts == 1 and event.last_error
    # when: the platform is back and the periodic task runs
    with FakePlatform(
        respond=lambda req: (
            {"code": "0", "data": _lazada_order("LZ-4")}
            if req.path == "/order/get"
            else {"code": "0", "data": _lazada_order("LZ-4")["items"]}
        )
    ) as fake:
        settings.CHANNELS_CREDENTIALS["lazada"]["base_url"] = fake.url
        InboundEvent.objects.update(received_at=event.received_at.replace(year=2025))
        assert tasks.inbound_due() == 1
    # then
    assert Order.objects.filter(external_id="LZ-4").exists()


def test_website_webhook_signed_json(client, settings, website, stocked, django_capture_on_commit_callbacks):
    stocked(2)
    settings.CHANNELS_CREDENTIALS = {"website": {"webhook_secret": "w"}}
    body = json.dumps(
        {
            "event_id": "evt-1",
            "order": {
                "external_id": "WEB-1",
                "customer": {"email": "an@example.vn"},
                "lines": [{"sku": "AO-001", "quantity": 1, "unit_price": 199000}],
            },
        }
    ).encode()
    ts = str(int(time.time()))
    good = web.sign(secret="w", timestamp=ts, body=body)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/api/v1/channels/website/webhook/",
            body,
            content_type="application/json",
            HTTP_X_O2O_TIMESTAMP=ts,
            HTTP_X_O2O_SIGNATURE=good,
        )
    stale = client.post(
        "/api/v1/channels/website/webhook/",
        body,
        content_type="application/json",
        HTTP_X_O2O_TIMESTAMP="1000",
        HTTP_X_O2O_SIGNATURE=web.sign(secret="w", timestamp="1000", body=body),
    )
    assert r.status_code == 200 and stale.status_code == 401
    assert Order.objects.get().external_id == "WEB-1"


def test_held_order_is_released_once_the_sku_exists(shopee, stocked):
    from .conftest import order_payload

    order = services.order_ingest(channel_code="shopee", payload=order_payload(sku="MOI-01")).order
    sku = SkuFactory(code="MOI-01")
    stocked(1, the_sku=sku)
    released = services.order_release_hold(order=order)
    assert not released.is_held and released.stock_state == Order.StockState.RESERVED


def test_shopee_event_fetches_the_signed_order_detail(settings, shopee, stocked):
    # given: a fake Shopee that checks the shop-API signature and answers get_order_detail
    from channels.adapters import shopee as sp

    stocked(3)
    key = "pk"

    def check(req):
        expected = sp.shop_sign(
            partner_id=req.query["partner_id"],
            path=req.path,
            timestamp=req.query["timestamp"],
            access_token=req.query["access_token"],
            shop_id=req.query["shop_id"],
            partner_key=key,
        )
        return None if expected == req.query.get("sign") else "bad sign"

    detail = {
        "error": "",
        "response": {
            "order_list": [
                {
                    "order_sn": "2511SP",
                    "order_status": "READY_TO_SHIP",
                    "create_time": 1763600000,
                    "update_time": 1763600100,
                    "buyer_user_id": 998,
                    "total_amount": 398000.0,
                    "recipient_address": {"name": "Lê Văn Tám", "phone": "84******78"},
                    "item_list": [
                        {"model_sku": "AO-001", "model_quantity_purchased": 2, "model_discounted_price": 199000.0}
                    ],
                }
            ]
        },
    }
    with FakePlatform(check=check, respond=lambda req: detail) as fake:
        settings.CHANNELS_CREDENTIALS = {
            "shopee": {"base_url": fake.url, "partner_id": "1", "partner_key": key, "shop_id": "7", "access_token": "t"}
        }
        body = json.dumps({"shop_id": 7, "code": 3, "data": {"ordersn": "2511SP", "status": "READY_TO_SHIP"}})
        event, _new = services.inbound_event_store(channel=shopee, shop_id="7", event_id="e1", body=body)
        services.inbound_event_process(event_id=event.pk)
    # then
    order = Order.objects.get(external_id="2511SP")
    assert order.status == Order.Status.CONFIRMED and order.total == 398_000
    assert order.lines.get().quantity == 2
    assert fake.requests[0].path == "/api/v2/order/get_order_detail" and not fake.rejected


def test_tiktok_shop_event_fetches_the_signed_order(settings, stocked):
    from channels.adapters import tiktok_shop as tts

    from .factories import ChannelFactory

    stocked(2)
    channel = ChannelFactory(code="tts", kind="tiktok_shop")

    def check(req):
        return (
            None
            if tts.api_sign(path=req.path, params=req.query, body=req.body, app_secret="s") == req.query.get("sign")
            else "bad"
        )

    answer = {
        "code": 0,
        "data": {
            "orders": [
                {
                    "id": "5761",
                    "status": "AWAITING_SHIPMENT",
                    "create_time": 1763600000,
                    "update_time": 1763600001,
                    "user_id": "u1",
                    "payment": {"total_amount": "199000"},
                    "line_items": [{"seller_sku": "AO-001", "sale_price": "199000"}],
                }
            ]
        },
    }
    with FakePlatform(check=check, respond=lambda req: answer) as fake:
        settings.CHANNELS_CREDENTIALS = {
            "tts": {"base_url": fake.url, "app_key": "k", "app_secret": "s", "access_token": "a", "shop_cipher": "c"}
        }
        body = json.dumps({"type": 1, "tts_notification_id": "n1", "shop_id": "s1", "data": {"order_id": "5761"}})
        event, _new = services.inbound_event_store(channel=channel, shop_id="s1", event_id="n1", body=body)
        services.inbound_event_process(event_id=event.pk)
    assert Order.objects.get(external_id="5761").status == Order.Status.CONFIRMED
    assert fake.requests[0].path == "/order/202309/orders" and not fake.rejected
