"""Publishing SKUs on channels through the API (not only the admin)."""

import pytest

from channels.models import Listing

from .factories import SkuFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(make_user):
    return make_user("inventory", username="integration")


def test_post_listing_publishes_a_sku_201_then_409_already_listed(api_as, integration, shopee, stocked):
    # given
    stocked(10)
    client = api_as(integration)
    body = {"sku": "AO-001", "channel": "shopee", "markup_percent": 8, "allocation_percent": 50, "safety_buffer": 1}
    # when
    created = client.post("/api/v1/listings/", body, format="json")
    again = client.post("/api/v1/listings/", {**body, "markup_percent": 0}, format="json")
    # then
    assert created.status_code == 201, created.json()
    listing = created.json()
    assert (listing["sku"], listing["channel"], listing["price"], listing["published_quantity"]) == (
        "AO-001",
        "shopee",
        215_000,  # 199,000 × 1.08 = 214,920 → 215,000
        4,  # 10 × 50% − 1
    )
    assert listing["sync_state"] == "not_configured"  # Shopee has no credentials here
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_listed"
    assert Listing.objects.get().markup_percent == 8


def test_post_listing_with_an_explicit_price(api_as, integration, website, sku):
    created = api_as(integration).post(
        "/api/v1/listings/", {"sku": sku.code, "channel": "website", "price_override": 150_000}, format="json"
    )
    assert created.status_code == 201 and created.json()["price"] == 150_000


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"sku": "AO-001", "channel": "shopee", "price_override": 1, "markup_percent": 2}, "price_override", 400),
        ({"sku": "AO-001", "channel": "shopee", "allocation_percent": 101}, "allocation_percent", 400),
        ({"sku": "AO-001", "channel": "shopee", "safety_buffer": -1}, "safety_buffer", 400),
        ({"sku": "NOPE", "channel": "shopee"}, "sku", 422),
        ({"sku": "AO-001", "channel": "nope"}, "channel", 422),
        ({"sku": "AO-001", "channel": "pos"}, "channel", 400),
        ({"channel": "shopee"}, "sku", 400),
    ],
)
def test_post_listing_refuses_bad_input_with_the_field(api_as, integration, shopee, pos, sku, body, field, status):
    response = api_as(integration).post("/api/v1/listings/", body, format="json")
    assert response.status_code == status, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Listing.objects.exists()


def test_post_listing_needs_the_inventory_role(api_as, make_user, shopee, sku):
    marketing = make_user("marketing")
    response = api_as(marketing).post("/api/v1/listings/", {"sku": sku.code, "channel": "shopee"}, format="json")
    assert response.status_code == 403


def test_post_product_lists_every_new_sku_on_the_channels_given(api_as, integration, shopee, website, stocked):
    # given
    client = api_as(integration)
    body = {
        "name": "Áo khoác gió",
        "skus": [{"code": "AK-S", "price": 300_000}, {"code": "AK-M", "price": 300_000}],
        "channels": ["shopee", "website"],
    }
    # when
    created = client.post("/api/v1/products/", body, format="json")
    # then
    assert created.status_code == 201, created.json()
    listed = sorted(Listing.objects.values_list("sku__code", "channel__code"))
    assert listed == [("AK-M", "shopee"), ("AK-M", "website"), ("AK-S", "shopee"), ("AK-S", "website")]


def test_post_product_with_an_unknown_channel_writes_nothing(api_as, integration, shopee):
    from channels.models import Product

    response = api_as(integration).post(
        "/api/v1/products/",
        {"name": "Áo", "skus": [{"code": "A-1", "price": 1_000}], "channels": ["shopee", "amazon"]},
        format="json",
    )
    assert response.status_code == 400
    assert "amazon" in response.json()["error"]["fields"]["channels"][0]
    assert not Product.objects.exists() and not Listing.objects.exists()


def test_listing_list_query_count_does_not_grow(api_as, integration, shopee, django_assert_max_num_queries):
    from channels import services

    client = api_as(integration)
    services.listing_upsert(sku=SkuFactory(), channel=shopee)
    with django_assert_max_num_queries(20) as few:
        client.get("/api/v1/listings/")
    for _ in range(10):
        services.listing_upsert(sku=SkuFactory(), channel=shopee)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/listings/").json()["count"] == 11
