"""Each adapter against a local fake platform that checks the documented signature."""

import hashlib
import hmac
import json
import xml.etree.ElementTree as ET

import pytest

from channels import services
from channels.adapters import adapter_for, lazada, shopee, tiktok_shop, website
from channels.adapters.base import ListingPush
from channels.models import Listing, SalesChannel

from .factories import ChannelFactory, ProductFactory, SkuFactory
from .fakeserver import FakePlatform


def _items(n, parent="100"):
    return [
        ListingPush(
            listing_id=i,
            sku_code=f"S{i}",
            external_id=str(1000 + i),
            external_parent_id=parent,
            price=120_000 + i,
            quantity=i,
            active=True,
        )
        for i in range(1, n + 1)
    ]


def test_lazada_signature_matches_the_documented_example():
    # Lazada's "HTTP request sample": /order/get with app secret "helloworld".
    params = {
        "app_key": "123456",
        "access_token": "test",
        "timestamp": "1517820392000",
        "sign_method": "sha256",
        "order_id": "1234",
    }
    assert (
        lazada.api_sign(api_path="/order/get", params=params, app_secret="helloworld")
        == "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"
    )


def test_shopee_sign_follows_the_documented_base_string():
    # partner_id + api_path + timestamp + access_token + shop_id, HMAC-SHA256 with the partner key.
    expected = hmac.new(b"key", b"2001887/api/v2/product/update_price1655714431tok123", hashlib.sha256).hexdigest()
    got = shopee.shop_sign(
        partner_id=2001887,
        path="/api/v2/product/update_price",
        timestamp=1655714431,
        access_token="tok",
        shop_id=123,
        partner_key="key",
    )
    assert got == expected


@pytest.mark.django_db
def test_shopee_push_is_signed_and_sends_price_and_stock(settings):
    key = "shopee-partner-key"

    def check(req):
        expected = shopee.shop_sign(
            partner_id=req.query["partner_id"],
            path=req.path,
            timestamp=req.query["timestamp"],
            access_token=req.query["access_token"],
            shop_id=req.query["shop_id"],
            partner_key=key,
        )
        return None if hmac.compare_digest(expected, req.query.get("sign", "")) else "bad sign"

    with FakePlatform(check=check, respond=lambda req: {"error": "", "response": {"failure_list": []}}) as fake:
        settings.CHANNELS_CREDENTIALS = {
            "shopee": {
                "base_url": fake.url,
                "partner_id": "2001",
                "partner_key": key,
                "shop_id": "77",
                "access_token": "t",
            }
        }
        channel = ChannelFactory(code="shopee", kind=SalesChannel.Kind.SHOPEE)
        results = adapter_for(channel).push_listings(_items(3))
    assert results == {1: None, 2: None, 3: None}
    assert [r.path for r in fake.requests] == ["/api/v2/product/update_price", "/api/v2/product/update_stock"]
    assert fake.requests[0].json() == {
        "item_id": 100,
        "price_list": [
            {"model_id": 1001, "original_price": 120_001},
            {"model_id": 1002, "original_price": 120_002},
            {"model_id": 1003, "original_price": 120_003},
        ],
    }
    assert fake.requests[1].json()["stock_list"][2] == {"model_id": 1003, "seller_stock": [{"stock": 3}]}
    assert not fake.rejected


@pytest.mark.django_db
def test_shopee_single_sku_items_send_model_id_0(settings):
    from channels.adapters.base import ListingPush

    respond = lambda req: {"error": "", "response": {"failure_list": []}}  # noqa: E731
    with FakePlatform(respond=respond) as fake:
        settings.CHANNELS_CREDENTIALS = {
            "shopee": {"base_url": fake.url, "partner_id": "1", "partner_key": "k", "shop_id": "7", "access_token": "t"}
        }
        channel = ChannelFactory(code="shopee", kind=SalesChannel.Kind.SHOPEE)
        single = ListingPush(
            listing_id=9, sku_code="AO", external_id="555", external_parent_id="", price=1000, quantity=2, active=True
        )
        assert adapter_for(channel).push_listings([single]) == {9: None}
    assert fake.requests[0].json() == {"item_id": 555, "price_list": [{"model_id": 0, "original_price": 1000}]}
    assert fake.requests[1].json() == {"item_id": 555, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 2}]}]}


@pytest.mark.django_db
def test_lazada_push_signs_and_batches_at_most_50(settings):
    secret = "lazada-secret"

    def check(req):
        form = req.form()
        return None if lazada.api_sign(api_path=req.path, params=form, app_secret=secret) == form.get("sign") else "bad"

    with FakePlatform(check=check, respond=lambda req: {"code": "0"}) as fake:
        settings.CHANNELS_CREDENTIALS = {
            "lazada": {"base_url": fake.url, "app_key": "123", "app_secret": secret, "access_token": "tok"}
        }
        channel = ChannelFactory(code="lazada", kind=SalesChannel.Kind.LAZADA)
        adapter = adapter_for(channel)
        assert adapter.batch_size == 50
        results = adapter.push_listings(_items(50))
    assert set(results.values()) == {None}
    payload = ET.fromstring(fake.requests[0].form()["payload"])
    skus = payload.findall("./Product/Skus/Sku")
    assert len(skus) == 50
    assert skus[0].findtext("SellerSku") == "S1" and skus[0].findtext("Price") == "120001"


@pytest.mark.django_db
def test_tiktok_shop_push_is_signed(settings):
    secret = "tts-secret"

    def check(req):
        expected = tiktok_shop.api_sign(path=req.path, params=req.query, body=req.body, app_secret=secret)
        return None if expected == req.query.get("sign") else "bad"

    with FakePlatform(check=check, respond=lambda req: {"code": 0, "message": "Success", "data": {}}) as fake:
        settings.CHANNELS_CREDENTIALS = {
            "tts": {
                "base_url": fake.url,
                "app_key": "k",
                "app_secret": secret,
                "access_token": "a",
                "shop_cipher": "c",
                "warehouse_id": "W1",
            }
        }
        channel = ChannelFactory(code="tts", kind=SalesChannel.Kind.TIKTOK_SHOP)
        results = adapter_for(channel).push_listings(_items(2, parent="P9"))
    assert results == {1: None, 2: None}
    assert fake.requests[0].path == "/product/202309/products/P9/prices/update"
    assert fake.requests[0].json()["skus"][0] == {"id": "1001", "price": {"amount": "120001", "currency": "VND"}}
    assert fake.requests[1].json()["skus"][1]["inventory"] == [{"warehouse_id": "W1", "quantity": 2}]


@pytest.mark.django_db
def test_tiki_push_sends_each_sku_with_the_bearer_token(settings):
    def check(req):
        return None if req.headers.get("Authorization") == "Bearer tiki-token" else "no token"

    with FakePlatform(check=check, respond=lambda req: {}) as fake:
        settings.CHANNELS_CREDENTIALS = {"tiki": {"base_url": fake.url, "access_token": "tiki-token"}}
        channel = ChannelFactory(code="tiki", kind=SalesChannel.Kind.TIKI)
        results = adapter_for(channel).push_listings(_items(2))
    assert results == {1: None, 2: None}
    assert fake.requests[0].json() == {"original_sku": "1001", "price": 120_001, "quantity": 1, "active": 1}


@pytest.mark.django_db
def test_website_push_is_a_signed_json_webhook(settings):
    secret = "web-secret"

    def check(req):
        ts = req.headers.get("X-O2O-Timestamp")
        return (
            None
            if website.sign(secret=secret, timestamp=ts, body=req.body) == req.headers.get("X-O2O-Signature")
            else "bad"
        )

    with FakePlatform(check=check) as fake:
        settings.CHANNELS_CREDENTIALS = {
            "website": {"webhook_url": fake.url + "/hooks/listings", "webhook_secret": secret}
        }
        channel = ChannelFactory(code="website", kind=SalesChannel.Kind.WEBSITE)
        results = adapter_for(channel).push_listings(_items(2))
    assert results == {1: None, 2: None}
    assert fake.requests[0].json()["listings"][1]["price"] == 120_002


@pytest.mark.django_db
def test_adapter_reports_the_platform_error(settings):
    with FakePlatform(respond=lambda req: {"code": "ApiCallLimit", "message": "Quá giới hạn gọi API"}) as fake:
        settings.CHANNELS_CREDENTIALS = {
            "lazada": {"base_url": fake.url, "app_key": "1", "app_secret": "s", "access_token": "t"}
        }
        channel = ChannelFactory(code="lazada", kind=SalesChannel.Kind.LAZADA)
        results = adapter_for(channel).push_listings(_items(1))
    assert results == {1: "ApiCallLimit: Quá giới hạn gọi API"}


def test_webhook_signatures_match_the_platform_schemes():
    body = b'{"a":1}'
    assert (
        shopee.push_sign(url="https://x/cb", body=body, partner_key="k")
        == hmac.new(b"k", b"https://x/cb|" + body, hashlib.sha256).hexdigest()
    )
    assert (
        lazada.push_sign(app_key="123", body=body, app_secret="s")
        == hmac.new(b"s", b"123" + body, hashlib.sha256).hexdigest()
    )


@pytest.mark.django_db
def test_a_feed_listing_is_in_sync_only_once_the_platform_fetched_it(warehouse, client, settings):
    # given a Facebook feed with its token, and a listing in it
    settings.CHANNELS_CREDENTIALS = {"facebook": {"feed_token": "abc"}}
    channel = ChannelFactory(code="facebook", kind=SalesChannel.Kind.FACEBOOK)
    services.channel_locations_set(channel=channel, locations=[warehouse])
    sku = SkuFactory(product=ProductFactory(brand="Acme", image_url="https://cdn.example.vn/a.jpg"))
    services.stock_receive(sku=sku, location=warehouse, quantity=3)
    listing = services.listing_upsert(sku=sku, channel=channel)
    # when the push runs, nothing is sent: still pending
    services.listings_push_channel(channel_id=channel.pk)
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.PENDING
    # when the platform fetches the feed
    assert client.get("/channels/feeds/facebook.tsv?token=abc").status_code == 200
    # then what it got is what the listing holds: in sync
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.IN_SYNC
    assert json.dumps(listing.synced_quantity) == "3"
    assert listing.synced_content_version == listing.content_version


@pytest.mark.django_db
def test_a_feed_without_a_token_is_not_configured_never_in_sync(warehouse):
    channel = ChannelFactory(code="facebook", kind=SalesChannel.Kind.FACEBOOK)
    services.channel_locations_set(channel=channel, locations=[warehouse])
    listing = services.listing_upsert(sku=SkuFactory(), channel=channel)
    services.listings_push_channel(channel_id=channel.pk)
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.NOT_CONFIGURED


def test_tiktok_shop_and_tiki_webhooks_verify_only_their_signature():
    from channels.adapters.tiki import TikiAdapter, relay_sign
    from channels.adapters.tiktok_shop import TikTokShopAdapter

    class Channel:
        adapter_settings = {}
        code = "x"

    body = b'{"type":1,"data":{"order_id":"5"}}'
    tts = TikTokShopAdapter(Channel(), {"app_key": "k", "app_secret": "s"})
    good = tiktok_shop.push_sign(app_key="k", body=body, app_secret="s")
    assert tts.verify_webhook(body=body, headers={"Authorization": good}, url="")
    assert not tts.verify_webhook(body=body + b" ", headers={"Authorization": good}, url="")
    tiki = TikiAdapter(Channel(), {"client_secret": "c"})
    assert tiki.verify_webhook(
        body=body, headers={"X-Tiki-Signature": relay_sign(body=body, client_secret="c")}, url=""
    )
    assert not tiki.verify_webhook(body=body, headers={}, url="")
