"""Segment's own Python library (segment-analytics-python) pointed at our live server with
`host=<site>/collect` works unchanged: track, identify, page and a batch land on the timeline."""

import datetime as dt

import pytest
from django.utils import timezone
from segment.analytics import Client
from segment.analytics.request import APIError

from collect.models import RawEvent
from collect.testing import make_campaign, make_source
from customers.models import Activity, ContactPoint

pytestmark = [pytest.mark.django_db(transaction=True)]


def library(live_server, key: str, **options) -> Client:
    errors = []
    client = Client(
        write_key=key,
        host=f"{live_server.url}/collect",
        on_error=lambda error, _items: errors.append(error),
        max_retries=1,
        **options,
    )
    client.errors = errors
    return client


def test_track_identify_and_page_from_analytics_python_reach_the_right_timeline(live_server):
    # given a source and Segment's library configured with our host
    make_campaign("tet-2027")
    _source, key = make_source("Website", "website")
    analytics = library(live_server, key)
    earlier = timezone.now() - dt.timedelta(days=2)
    # when an anonymous visitor lands from an ad, looks at a product, then signs up
    analytics.page(
        anonymous_id="web-1",
        name="Trang đích Tết",
        properties={"url": "https://shop.vn/tet?utm_source=google&utm_campaign=tet-2027&gclid=G-77"},
        context={"page": {"url": "https://shop.vn/tet?utm_source=google&utm_campaign=tet-2027&gclid=G-77"}},
        timestamp=earlier,
    )
    analytics.track(anonymous_id="web-1", event="Product Viewed", properties={"name": "Áo dài"}, timestamp=earlier)
    analytics.identify(anonymous_id="web-1", user_id="acct-1", traits={"phone": "0912345678", "name": "Trần Thị Lan"})
    analytics.track(user_id="acct-1", event="Order Completed", properties={"order_id": "W-9", "revenue": 890000})
    analytics.flush()
    analytics.join()
    # then
    assert analytics.errors == []
    customer = ContactPoint.objects.get(kind="phone", value="+84912345678").customer
    assert customer.full_name == "Trần Thị Lan"
    kinds = sorted(Activity.objects.filter(customer=customer, ref_type="collect").values_list("kind", flat=True))
    assert kinds == ["ad_click", "order", "product_view", "web_visit"]
    visit = Activity.objects.get(customer=customer, kind="web_visit")
    assert visit.occurred_at == earlier.replace(microsecond=visit.occurred_at.microsecond)
    assert visit.utm["utm_campaign"] == "tet-2027"
    assert Activity.objects.get(kind="order").amount == 890000


def test_sync_mode_sends_each_call_and_a_replay_adds_nothing(live_server):
    _source, key = make_source("App", "app")
    analytics = library(live_server, key, sync_mode=True)
    analytics.identify(anonymous_id="app-1", traits={"email": "lan@shop.vn"}, message_id="id-1")
    analytics.track(anonymous_id="app-1", event="Product Added", message_id="add-1")
    analytics.track(anonymous_id="app-1", event="Product Added", message_id="add-1")  # a library retry
    assert RawEvent.objects.count() == 2
    activity = Activity.objects.get(kind="cart_add")
    assert activity.channel == "app"


def test_a_wrong_key_is_reported_to_the_library_as_401(live_server):
    analytics = library(live_server, "not-a-key", sync_mode=True)
    with pytest.raises(APIError) as error:
        analytics.track(anonymous_id="x", event="Product Viewed")
    assert error.value.status == 401
    assert not RawEvent.objects.exists()
