"""Tracked links: every link a message carries goes through /l/<token>; a click is on the
timeline with its message and campaign, counted, and shown on the messages screen."""

import datetime as dt

import pytest
from django.utils import timezone

from customers import selectors, services
from customers.models import Activity, TrackedLink

pytestmark = pytest.mark.django_db


def send(customer, grant, body="Ưu đãi Tết: https://shop.vn/tet?x=1. Xem ngay!", **extra):
    grant(customer)
    return services.message_send(
        customer=customer, channel="sms", purpose="marketing", body=body, idempotency_key="k-1", **extra
    )


def test_links_in_a_message_are_sent_as_tracked_short_links(customer, grant, settings):
    message = send(customer, grant, campaign_id=7)
    link = TrackedLink.objects.get()
    assert message.body == f"Ưu đãi Tết: {settings.SITE_URL}/l/{link.token}. Xem ngay!"
    assert link.url == "https://shop.vn/tet?x=1" and link.message == message and link.campaign_id == 7


def test_a_click_goes_on_the_timeline_once_and_forwards(client, customer, grant):
    message = send(customer, grant, campaign_id=7)
    token = TrackedLink.objects.get().token
    first = client.get(f"/l/{token}")
    assert first.status_code == 302 and first["Location"] == "https://shop.vn/tet?x=1"
    client.get(f"/l/{token}")
    clicks = Activity.objects.filter(customer=customer, kind="link_click")
    assert clicks.count() == 1
    assert clicks.get().campaign_id == 7 and clicks.get().data["message_id"] == message.pk
    assert TrackedLink.objects.get().click_count == 2


def test_unknown_and_expired_tokens_get_a_friendly_page(client, customer, grant):
    send(customer, grant)
    TrackedLink.objects.update(expires_at=timezone.now() - dt.timedelta(days=1))
    for token in (TrackedLink.objects.get().token, "nope", "x" * 300):
        response = client.get(f"/l/{token}")
        assert response.status_code == 404
        assert "Liên kết không còn dùng được" in response.content.decode()
    assert not Activity.objects.filter(kind="link_click").exists()


def test_template_params_that_are_links_are_tracked_too(customer, grant):
    grant(customer, channel="zns")
    message = services.message_send(
        customer=customer,
        channel="zns",
        purpose="marketing",
        template_id="tpl-1",
        params={"name": "An", "url": "https://shop.vn/voucher/ABC"},
        idempotency_key="z-1",
    )
    assert message.params["name"] == "An" and "/l/" in message.params["url"]


def test_the_messages_screen_shows_click_through(client, customer, grant, manager, django_assert_max_num_queries):
    send(customer, grant)
    client.get(f"/l/{TrackedLink.objects.get().token}")
    assert selectors.link_clicks_for_messages([TrackedLink.objects.get().message_id]) == {
        TrackedLink.objects.get().message_id: 1
    }
    client.force_login(manager)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Đã nhấp 1 lần" in page


def test_click_through_by_ref_and_by_campaign(client, customer, grant):
    send(customer, grant, campaign_id=9, ref_type="segment_campaign", ref_id="3")
    by_ref = selectors.link_click_through(ref_type="segment_campaign", ref_ids=["3"])
    assert by_ref == {"3": {"messages": 1, "clicked": 0, "rate": 0.0}}
    client.get(f"/l/{TrackedLink.objects.get().token}")
    assert selectors.link_click_through(campaign_ids=[9]) == {9: {"messages": 1, "clicked": 1, "rate": 100.0}}
