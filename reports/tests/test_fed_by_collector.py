"""The O2O report and the offline-conversions export fed only by collected events: no demo
rows, no hand-made activities; the website's events come through the collector's wire API."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from channels import services as channel_services
from collect.models import Source
from collect.testing import basic_auth, event, make_campaign, make_source
from customers.models import Activity, ContactPoint, TrackedLink
from reports import selectors
from reports.forms import DateRange

from . import factories as f

pytestmark = pytest.mark.django_db


def send(client, key, events, capture):
    with capture(execute=True):
        response = client.post(
            "/collect/v1/batch",
            data=json.dumps({"batch": events}),
            content_type="application/json",
            HTTP_AUTHORIZATION=basic_auth(key),
        )
    assert response.status_code == 200 and not response.json()["rejected"], response.content


def test_report_and_export_count_an_ad_click_and_lead_that_came_through_the_collector(
    client, django_capture_on_commit_callbacks
):
    # given a landing page (its visitors consented to advertising), a campaign and a store
    now = timezone.now()
    assert not Activity.objects.exists()
    campaign = make_campaign("tet-2027")
    _source, key = make_source("Landing Tết", Source.Kind.LANDING, consent_default="all")
    store = f.store()
    url = "https://shop.vn/tet?utm_source=google&utm_medium=cpc&utm_campaign=tet-2027&gclid=G-555"
    # an anonymous ad click three days ago, a lead form two days ago that names the person
    send(
        client,
        key,
        [
            event("page", anon="dev-1", at=now - dt.timedelta(days=3), context={"page": {"url": url}}),
            event(
                "track",
                anon="dev-1",
                event="Lead Submitted",
                at=now - dt.timedelta(days=2),
                context={"traits": {"phone": "0912345678", "name": "Lê Thu"}},
            ),
        ],
        django_capture_on_commit_callbacks,
    )
    customer = ContactPoint.objects.get(value="+84912345678").customer
    # then the person visits the store and buys there
    channel_services.checkin_record(store=store, method="qr", customer=customer, occurred_at=now - dt.timedelta(days=1))
    order = f.order(customer, total=1_500_000, when=now - dt.timedelta(hours=20), store=store)
    date_range = DateRange(start=timezone.localdate(now) - dt.timedelta(days=10), end=timezone.localdate(now))
    # when
    report = selectors.o2o_report(date_range=date_range)
    rows = selectors.offline_conversions(date_range=date_range)
    # then the chain is credited to the campaign, from collected events only
    row = next(r for r in report.campaigns if r["campaign_id"] == campaign.pk)
    assert (row["clicks"], row["leads"], row["visits"], row["purchases"]) == (1, 1, 1, 1)
    assert row["revenue"] == 1_500_000
    assert [(r["click_id"], r["order_id"], r["value"]) for r in rows] == [("G-555", order.number, 1_500_000)]
    assert set(Activity.objects.exclude(kind="checkin").values_list("ref_type", flat=True)) == {"collect"}


def test_the_campaign_report_shows_message_click_through(client, manager):
    from customers.services import consent_record, message_send

    # given a campaign's message with a link, sent to a customer who clicks it
    now = timezone.now()
    campaign = make_campaign("tet-2027")
    customer = f.customer(phone="0912345678")
    consent_record(
        customer=customer, channel="sms", purpose="marketing", granted=True, source="store", evidence="form 1"
    )
    message_send(
        customer=customer,
        channel="sms",
        purpose="marketing",
        body="Ưu đãi: https://shop.vn/tet",
        idempotency_key="m-1",
        campaign_id=campaign.pk,
    )
    token = TrackedLink.objects.get().token
    assert client.get(f"/l/{token}").status_code == 302
    # when
    today = timezone.localdate(now)
    date_range = DateRange(start=today - dt.timedelta(days=1), end=today)
    report = selectors.o2o_report(date_range=date_range)
    # then
    row = next(r for r in report.campaigns if r["campaign_id"] == campaign.pk)
    assert row["message_click_through"] == {"messages": 1, "clicked": 1, "rate": 100.0}
    click = Activity.objects.get(kind="link_click")
    assert click.campaign_id == campaign.pk and click.customer == customer
    client.force_login(manager)
    page = client.get(f"/reports/o2o/?start={date_range.start}&end={date_range.end}").content.decode()
    assert "Tin nhắn có liên kết: 1 gửi, 1 nhấp (100,0%)" in page
