import pytest
from django.urls import reverse

from channels import services
from channels.models import Listing

from .factories import SkuFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.vn", "x")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model",
    [
        "store",
        "saleschannel",
        "product",
        "sku",
        "stock",
        "stockmovement",
        "listing",
        "order",
        "inboundevent",
        "checkin",
        "channelgoal",
    ],
)
def test_admin_changelists_open(admin_client_, model, lazada):
    services.listing_upsert(sku=SkuFactory(), channel=lazada)
    assert admin_client_.get(reverse(f"admin:channels_{model}_changelist")).status_code == 200


def test_admin_bulk_price_change_goes_through_the_service(admin_client_, lazada):
    listings = [services.listing_upsert(sku=SkuFactory(base_price=100_000), channel=lazada) for _ in range(3)]
    Listing.objects.update(
        sync_state=Listing.SyncState.IN_SYNC,
        synced_price=100_000,
        synced_quantity=0,
        synced_active=True,
        synced_content_version=1,
    )
    url = reverse("admin:channels_listing_changelist")
    ids = [str(x.pk) for x in listings[:2]]
    page = admin_client_.post(url, {"action": "change_price", "_selected_action": ids})
    assert page.status_code == 200 and "Đổi giá" in page.content.decode()
    done = admin_client_.post(
        url, {"action": "change_price", "_selected_action": ids, "apply": "1", "markup_percent": 10}
    )
    assert done.status_code == 302
    prices = dict(Listing.objects.values_list("pk", "price"))
    assert [prices[x.pk] for x in listings] == [110_000, 110_000, 100_000]
    assert Listing.objects.filter(sync_state=Listing.SyncState.PENDING).count() == 2


def test_admin_sku_price_edit_marks_listings(admin_client_, lazada):
    sku = SkuFactory(base_price=100_000)
    services.listing_upsert(sku=sku, channel=lazada)
    Listing.objects.update(
        sync_state=Listing.SyncState.IN_SYNC,
        synced_price=100_000,
        synced_quantity=0,
        synced_active=True,
        synced_content_version=1,
    )
    url = reverse("admin:channels_sku_change", args=[sku.pk])
    response = admin_client_.post(
        url,
        {
            "product": sku.product_id,
            "code": sku.code,
            "barcode": sku.barcode,
            "options": "{}",
            "base_price": 150_000,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    listing = Listing.objects.get()
    assert (listing.price, listing.sync_state) == (150_000, Listing.SyncState.PENDING)


def test_declaring_a_channels_fulfilment_locations_in_the_admin_republishes_its_listings(admin_client_, shopee, store):
    # given: Shopee ships from the warehouse; the units are at the store
    sku = SkuFactory()
    services.stock_receive(sku=sku, location=store, quantity=4)
    listing = services.listing_upsert(sku=sku, channel=shopee)
    assert listing.published_quantity == 0
    location = shopee.locations.get()
    # when: the store is added as a second location in the channel's page
    response = admin_client_.post(
        reverse("admin:channels_saleschannel_change", args=[shopee.pk]),
        {
            "code": shopee.code,
            "name": shopee.name,
            "kind": shopee.kind,
            "is_online": "on",
            "is_active": "on",
            "adapter_settings": "{}",
            "locations-TOTAL_FORMS": "2",
            "locations-INITIAL_FORMS": "1",
            "locations-0-id": str(location.pk),
            "locations-0-channel": str(shopee.pk),
            "locations-0-location": str(location.location_id),
            "locations-0-position": "0",
            "locations-1-channel": str(shopee.pk),
            "locations-1-location": str(store.pk),
            "locations-1-position": "1",
        },
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    listing.refresh_from_db()
    assert listing.published_quantity == 4
