import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from channels import services, tasks
from channels.adapters import lazada
from channels.models import SKU, Listing, SalesChannel

from .conftest import order_payload
from .factories import ChannelFactory, SkuFactory
from .fakeserver import FakePlatform


@pytest.fixture
def lazada_fake(settings, db):
    """A Lazada fake checking the signature; `fake.fail = "..."` makes it refuse every call."""
    secret = "s3cret"

    def check(req):
        form = req.form()
        return None if lazada.api_sign(api_path=req.path, params=form, app_secret=secret) == form.get("sign") else "bad"

    def respond(req):
        if fake.fail:
            return {"code": "E0001", "message": fake.fail}
        return {"code": "0"}

    with FakePlatform(check=check, respond=respond) as fake:
        fake.fail = None
        settings.CHANNELS_CREDENTIALS = {
            "lazada": {"base_url": fake.url, "app_key": "1", "app_secret": secret, "access_token": "t"}
        }
        yield fake


@pytest.fixture
def website_fake(settings, lazada_fake):
    """Our website's listing webhook (a fake that accepts everything), next to the Lazada fake."""
    with FakePlatform() as fake:
        settings.CHANNELS_CREDENTIALS = {
            **settings.CHANNELS_CREDENTIALS,
            "website": {"webhook_url": fake.url + "/hooks/listings", "webhook_secret": "w"},
        }
        yield fake


def _pushed_skus(fake):
    import xml.etree.ElementTree as ET

    out = []
    for req in fake.requests:
        out += [s.findtext("SellerSku") for s in ET.fromstring(req.form()["payload"]).findall("./Product/Skus/Sku")]
    return out


def _synced(listings):
    Listing.objects.filter(pk__in=[x.pk for x in listings]).update(sync_state=Listing.SyncState.IN_SYNC)


def test_price_change_marks_only_the_listings_that_change(warehouse, lazada_fake, website_fake, lazada, website):
    # given: three SKUs listed on two channels, all pushed
    skus = [SkuFactory(base_price=100_000) for _ in range(3)]
    for sku in skus:
        services.stock_receive(sku=sku, location=warehouse, quantity=5)
        services.listing_upsert(sku=sku, channel=lazada)
        services.listing_upsert(sku=sku, channel=website, markup_percent=0)
    services.listings_push_channel(channel_id=lazada.pk)
    services.listings_push_channel(channel_id=website.pk)
    assert not Listing.objects.exclude(sync_state=Listing.SyncState.IN_SYNC).exists()
    lazada_fake.requests.clear()
    # when: SKU 0 changes price, SKU 1 is "changed" to the same price
    services.sku_prices_change(skus=SKU.objects.filter(pk=skus[0].pk), price=120_000)
    services.sku_prices_change(skus=SKU.objects.filter(pk=skus[1].pk), price=100_000)
    # then
    pending = set(Listing.objects.filter(sync_state=Listing.SyncState.PENDING).values_list("sku_id", "channel_id"))
    assert pending == {(skus[0].pk, lazada.pk), (skus[0].pk, website.pk)}
    services.listings_push_channel(channel_id=lazada.pk)
    assert _pushed_skus(lazada_fake) == [skus[0].code]


def test_markup_rule_rounds_up_to_1000(lazada, warehouse):
    sku = SkuFactory(base_price=199_000)
    listing = services.listing_upsert(sku=sku, channel=lazada, markup_percent=7)
    assert listing.price == 213_000  # 199,000 × 1.07 = 212,930 → 213,000


def test_published_quantity_is_the_fulfilment_locations_stock_times_allocation_minus_buffer(lazada, warehouse, store):
    # given: Lazada ships from the warehouse only; both hold 10
    sku = SkuFactory()
    services.stock_receive(sku=sku, location=warehouse, quantity=10)
    services.stock_receive(sku=sku, location=store, quantity=10)
    # when
    listing = services.listing_upsert(sku=sku, channel=lazada, allocation_percent=50, safety_buffer=2)
    # then: 10 × 50% − 2, the store's units not counted
    assert listing.published_quantity == 3


def test_order_marks_stock_change_on_listings(warehouse, lazada, shopee, lazada_fake):
    # given
    sku = SkuFactory(code="AO-001")
    services.stock_receive(sku=sku, location=warehouse, quantity=5)
    listing = services.listing_upsert(sku=sku, channel=lazada)
    services.listings_push_channel(channel_id=lazada.pk)
    # when
    services.order_ingest(channel_code="shopee", payload=order_payload(quantity=2))
    # then
    listing.refresh_from_db()
    assert (listing.published_quantity, listing.sync_state) == (3, Listing.SyncState.PENDING)


def test_failing_pushes_back_off_then_show_failed_with_the_error(warehouse, lazada, lazada_fake, settings):
    # given
    settings.CHANNELS_SYNC_MAX_ATTEMPTS = 3
    sku = SkuFactory()
    listing = services.listing_upsert(sku=sku, channel=lazada)
    lazada_fake.fail = "Sản phẩm bị khóa"
    # when: first attempt
    services.listings_push_channel(channel_id=lazada.pk)
    listing.refresh_from_db()
    # then: pending, retried later with backoff
    assert listing.sync_state == Listing.SyncState.PENDING and listing.attempts == 1
    first_wait = listing.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=25) < first_wait <= dt.timedelta(seconds=30)
    # not due yet: nothing is sent
    calls = len(lazada_fake.requests)
    services.listings_push_channel(channel_id=lazada.pk)
    assert len(lazada_fake.requests) == calls
    # when: further attempts once due
    for expected_wait in (60, 0):
        Listing.objects.filter(pk=listing.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
        services.listings_push_channel(channel_id=lazada.pk)
        listing.refresh_from_db()
        if expected_wait:
            wait = listing.next_attempt_at - timezone.now()
            assert dt.timedelta(seconds=expected_wait - 5) < wait <= dt.timedelta(seconds=expected_wait)
    # then
    assert listing.sync_state == Listing.SyncState.FAILED
    assert listing.attempts == 3
    assert "Sản phẩm bị khóa" in listing.last_error
    # when: the channel recovers and staff press retry
    lazada_fake.fail = None
    assert services.listings_retry(channel=lazada) == 1
    services.listings_push_channel(channel_id=lazada.pk)
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.IN_SYNC and listing.last_error == ""


def test_broker_down_leaves_rows_pending_and_the_periodic_task_resends(
    warehouse, lazada, lazada_fake, monkeypatch, django_capture_on_commit_callbacks
):
    # given: the broker refuses every enqueue
    from kombu.exceptions import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.push_listings, "delay", down)
    monkeypatch.setattr(tasks.push_listings, "apply", down)  # the in-process (eager) run fails too
    sku = SkuFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        listing = services.listing_upsert(sku=sku, channel=lazada)
    # then: nothing lost, nothing pushed
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.PENDING
    assert lazada_fake.requests == []
    # when: the periodic task runs later
    assert tasks.sync_due() == 1
    # then
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.IN_SYNC
    assert _pushed_skus(lazada_fake) == [sku.code]


def test_push_respects_the_channel_batch_size(warehouse, lazada, lazada_fake):
    # given
    skus = [SkuFactory() for _ in range(120)]
    services.listings_create_for_channel(channel=lazada, skus=SKU.objects.filter(pk__in=[s.pk for s in skus]))
    # when
    report = services.listings_push_channel(channel_id=lazada.pk)
    # then: 50 + 50 + 20
    assert report.pushed == 120
    assert [len(ET_skus(r)) for r in lazada_fake.requests] == [50, 50, 20]


def ET_skus(req):
    import xml.etree.ElementTree as ET

    return ET.fromstring(req.form()["payload"]).findall("./Product/Skus/Sku")


def test_a_listing_changed_while_in_flight_stays_pending(warehouse, lazada, lazada_fake):
    # given: a push whose adapter sees a concurrent change land mid-flight
    sku = SkuFactory()
    listing = services.listing_upsert(sku=sku, channel=lazada)
    from channels.adapters.base import ChannelAdapter

    original = ChannelAdapter.push_listings

    def push_and_change(self, items):
        services.stock_receive(sku=sku, location=warehouse, quantity=4)
        return original(self, items)

    import unittest.mock

    with unittest.mock.patch.object(ChannelAdapter, "push_listings", push_and_change):
        services.listings_push_channel(channel_id=lazada.pk, max_batches=1)
    # then
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.PENDING
    assert listing.synced_quantity == 0 and listing.published_quantity == 4


def test_store_channels_are_never_pushed(pos, warehouse):
    sku = SkuFactory()
    Listing.objects.create(sku=sku, channel=pos)
    assert services.listings_refresh(sku_ids=[sku.pk]) == 0
    assert SalesChannel.objects.get(pk=pos.pk).kind == "store"


@hsettings(max_examples=50, deadline=None)
@given(base=st.integers(min_value=0, max_value=500_000_000), markup=st.integers(min_value=0, max_value=60))
@pytest.mark.django_db
def test_listing_price_rule_matches_exact_ceiling(base, markup):
    # given
    channel = ChannelFactory(code="hypo", kind=SalesChannel.Kind.LAZADA)
    sku = SkuFactory(base_price=base)
    # when
    listing = services.listing_upsert(sku=sku, channel=channel, markup_percent=markup)
    # then: base × (100+markup)/100 rounded up to 1,000 ₫, in exact integers
    assert listing.price == -(-base * (100 + markup) // 100_000) * 1000


def test_product_text_change_marks_only_channels_that_receive_content(lazada, website, warehouse, website_fake):
    # given
    a, b = SkuFactory(), SkuFactory()
    for sku in (a, b):
        services.listing_upsert(sku=sku, channel=lazada)
        services.listing_upsert(sku=sku, channel=website)
    for channel in (lazada, website):
        services.listings_push_channel(channel_id=channel.pk)
    # when
    services.product_update(product=a.product, name="Áo thun cổ tròn 2026")
    services.product_update(product=b.product, name=b.product.name)  # no change
    # then: the website (which receives the name) is pending for SKU a; Lazada (price and stock
    # only) stays in sync, its content never claimed
    pending = set(Listing.objects.filter(sync_state=Listing.SyncState.PENDING).values_list("sku_id", "channel_id"))
    assert pending == {(a.pk, website.pk)}
    assert Listing.objects.get(sku=a, channel=lazada).synced_content_version is None


def test_shopee_content_has_its_own_version_pushed_and_acknowledged(settings, shopee, warehouse):
    # given: Shopee set up against a fake; a listing of a single-SKU item
    with FakePlatform(respond=lambda req: {"error": "", "response": {"failure_list": []}}) as fake:
        settings.CHANNELS_CREDENTIALS = {
            "shopee": {"base_url": fake.url, "partner_id": "1", "partner_key": "k", "shop_id": "7", "access_token": "t"}
        }
        sku = SkuFactory()
        listing = services.listing_upsert(sku=sku, channel=shopee, external_id="555")
        services.listings_push_channel(channel_id=shopee.pk)
        listing.refresh_from_db()
        # then: the first push sent the text with price and stock, and the version is acknowledged
        assert [r.path.rsplit("/", 1)[-1] for r in fake.requests] == ["update_item", "update_price", "update_stock"]
        assert (listing.sync_state, listing.synced_content_version) == ("in_sync", listing.content_version)
        # when: the product's name changes
        fake.requests.clear()
        services.product_update(product=sku.product, name="Áo thun 2026")
        services.listings_push_channel(channel_id=shopee.pk)
        # then: the new name went out and the new version is acknowledged
        sent = next(r.json() for r in fake.requests if r.path.endswith("update_item"))
        assert sent == {"item_id": 555, "item_name": "Áo thun 2026", "description": ""}
        listing.refresh_from_db()
        assert (listing.sync_state, listing.synced_content_version) == ("in_sync", listing.content_version)
        # when: only the price changes, no text is sent
        fake.requests.clear()
        services.sku_prices_change(skus=[sku], price=250_000)
        services.listings_push_channel(channel_id=shopee.pk)
        assert [r.path.rsplit("/", 1)[-1] for r in fake.requests] == ["update_price", "update_stock"]


def test_a_switched_off_channel_pauses_its_waiting_listings_and_resumes_them(lazada, lazada_fake, warehouse):
    # given: Lazada set up, switched off with a listing waiting
    listing = services.listing_upsert(sku=SkuFactory(), channel=lazada)
    SalesChannel.objects.filter(pk=lazada.pk).update(is_active=False)
    Listing.objects.filter(pk=listing.pk).update(sync_state=Listing.SyncState.PENDING)
    # when: the periodic resend runs
    services.sync_due_channels()
    # then: paused, nothing sent
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.PAUSED and not lazada_fake.requests
    # when: switched on again
    SalesChannel.objects.filter(pk=lazada.pk).update(is_active=True)
    for channel_id in services.sync_due_channels():
        services.listings_push_channel(channel_id=channel_id)
    # then: pushed and acknowledged
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.IN_SYNC and lazada_fake.requests
