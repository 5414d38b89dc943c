"""Every report screen runs a fixed number of queries, whatever the data size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from channels import services as channel_services
from reports import services

from . import factories as f

pytestmark = pytest.mark.django_db

SCREENS = ["reports:index", "reports:o2o", "reports:stores", "reports:goals", "reports:segments"]


def grow(n: int, store, campaign, now):
    for _ in range(n):
        c = f.customer()
        f.activity(c, "ad_click", when=now - dt.timedelta(days=3), campaign_id=campaign.pk)
        channel_services.checkin_record(store=store, method="qr", customer=c, occurred_at=now - dt.timedelta(days=2))
        f.order(c, total=500_000, when=now - dt.timedelta(days=2), store=store)
    services.segments_recompute()


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_report_screens_do_not_grow_with_the_data(client, manager):
    # given
    from django.utils import timezone

    now = timezone.now()
    store, campaign = f.store("q1"), f.campaign()
    client.force_login(manager)
    grow(2, store, campaign, now)
    small = {name: count(client, reverse(name)) for name in SCREENS}
    # when
    grow(6, store, campaign, now)
    large = {name: count(client, reverse(name)) for name in SCREENS}
    # then
    assert large == small
    assert max(small.values()) <= 40


def test_the_segment_screen_does_not_grow_with_members(client, manager):
    from django.utils import timezone

    from customers.models import Segment

    now = timezone.now()
    store, campaign = f.store("q1"), f.campaign()
    client.force_login(manager)
    grow(2, store, campaign, now)
    segment = Segment.objects.get(code="first_time_buyers")
    small = count(client, reverse("reports:segment", args=[segment.pk]))
    grow(6, store, campaign, now)
    assert count(client, reverse("reports:segment", args=[segment.pk])) == small
