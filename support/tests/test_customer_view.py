from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from support import services

from .conftest import count_queries


def _grow_history(customer, category, n: int) -> None:
    """n activities on every channel, a few tickets and vouchers: a long history."""
    from customers.services import record_activity
    from promotions.services import voucher_issue

    channels = ["website", "app", "facebook", "zalo", "shopee", "lazada", "tiki", "tiktok_shop", "store"]
    now = timezone.now()
    for i in range(n):
        record_activity(
            customer=customer,
            kind="order" if i % 3 else "checkin",
            channel=channels[i % len(channels)],
            summary=f"Hoạt động {i}",
            amount=100_000 + i,
            occurred_at=now - timedelta(hours=i),
        )
    for i in range(max(1, n // 20)):
        services.ticket_create(customer=customer, category=category, subject=f"Yêu cầu {i}")
        voucher_issue(customer=customer, discount_type="fixed", discount_value=10_000)


@pytest.fixture
def view_as_agent(client, agent):
    client.force_login(agent)
    return client


def test_customer_view_query_count_does_not_grow_with_history(view_as_agent, customer, category, shopee_order):
    # given a short history
    _grow_history(customer, category, 3)
    url = reverse("support:customer", args=[customer.pk])
    view_as_agent.get(url)
    short = count_queries(lambda: view_as_agent.get(url))
    # when the history grows long
    _grow_history(customer, category, 120)
    long = count_queries(lambda: view_as_agent.get(url))
    # then
    assert long == short
    # session, user, roles; customer, contacts, segments, consents; order headers, orders by
    # channel, tickets (with the open count), vouchers, one timeline page (no COUNT); the form's
    # categories; the agent's call in progress; channel and store names (one UNION); the
    # access-log insert
    assert short <= 16


def test_overview_api_query_count_does_not_grow_with_history(api_as, agent, customer, category):
    client = api_as(agent)
    url = f"/api/v1/support/customers/{customer.pk}/overview/"
    _grow_history(customer, category, 3)
    client.get(url)
    short = count_queries(lambda: client.get(url))
    _grow_history(customer, category, 120)
    assert count_queries(lambda: client.get(url)) == short


def test_customer_view_shows_profile_orders_tickets_vouchers_and_timeline(
    view_as_agent, customer, category, shopee_order, store_order
):
    # given
    from promotions.services import voucher_issue

    voucher = voucher_issue(customer=customer, discount_type="fixed", discount_value=50_000)
    ticket = services.ticket_create(customer=customer, category=category, subject="Máy nóng")
    # when
    html = view_as_agent.get(reverse("support:customer", args=[customer.pk])).content.decode()
    # then
    assert "Nguyễn Văn An" in html and "0912 345 678" in html
    assert shopee_order.external_id in html and store_order.number in html
    assert f"#{ticket.number} Máy nóng" in html
    assert voucher.code in html
    assert html.count('data-testid="order-row"') == 2
    # the new-ticket form is pre-filled with the latest order
    assert f'value="{store_order.number}"' in html


def test_overview_api_shape(api_as, agent, customer, category, shopee_order):
    services.ticket_create(customer=customer, category=category, subject="Máy nóng")
    body = api_as(agent).get(f"/api/v1/support/customers/{customer.pk}/overview/").json()
    assert set(body) == {"profile", "open_tickets", "recent_tickets", "recent_orders", "usable_vouchers", "timeline"}
    assert body["profile"]["id"] == customer.pk
    assert body["profile"]["full_name"] == "Nguyễn Văn An"
    assert {"kind": "phone", "value": "+84912345678"}.items() <= body["profile"]["contact_points"][0].items()
    assert [t["subject"] for t in body["open_tickets"]] == ["Máy nóng"]
    assert body["recent_orders"][0]["external_id"] == shopee_order.external_id
    assert body["recent_orders"][0]["channel_kind"] == "shopee"
    kinds = {a["kind"] for a in body["timeline"]["results"]}
    assert {"ticket", "order"} <= kinds
    assert body["timeline"]["page"] == 1


def test_timeline_filters_by_kind_and_channel_and_paginates(view_as_agent, customer, category):
    _grow_history(customer, category, 60)
    url = reverse("support:customer", args=[customer.pk])
    partial = view_as_agent.get(url, {"kind": "checkin", "page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline")
    html = partial.content.decode()
    assert "Lịch sử" not in html  # only the timeline fragment
    assert "Check-in" in html or "checkin" in html.lower() or "Ghé" in html
    api = view_as_agent.get(f"/api/v1/support/customers/{customer.pk}/overview/", {"channel": "shopee"}).json()
    assert {a["channel"] for a in api["timeline"]["results"]} == {"shopee"}


def test_overview_of_an_unknown_customer_is_404_with_the_error_body(api_as, agent, db):
    response = api_as(agent).get("/api/v1/support/customers/999999/overview/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_customer_view_of_a_merged_customer_shows_the_survivor(view_as_agent, db, customer):
    from customers.services import customer_merge

    from .conftest import make_customer

    duplicate = make_customer("An Nguyễn", "0987000111")
    customer_merge(survivor=customer, duplicate=duplicate)
    html = view_as_agent.get(reverse("support:customer", args=[duplicate.pk])).content.decode()
    assert "Nguyễn Văn An" in html


def test_customer_view_says_when_no_voucher_can_be_sent(view_as_agent, customer, grant):
    url = reverse("support:customer", args=[customer.pk])
    assert 'data-testid="no-marketing-consent"' in view_as_agent.get(url).content.decode()
    grant(customer)
    assert 'data-testid="no-marketing-consent"' not in view_as_agent.get(url).content.decode()


def test_customer_view_offers_older_activities_only_when_there_are_more(view_as_agent, customer):
    # given exactly one page of history (25 rows)
    from customers.selectors import customer_timeline
    from customers.services import record_activity

    def add(n: int) -> None:
        for i in range(n):
            record_activity(customer=customer, kind="call", summary=f"Cuộc gọi {i}")

    add(25 - customer_timeline(customer).count)
    url = reverse("support:customer", args=[customer.pk])
    # when / then: no "older" link on a full single page
    assert "?page=2" not in view_as_agent.get(url).content.decode()
    # when one more row arrives / then the first page offers the second, which offers no third
    add(1)
    assert "?page=2" in view_as_agent.get(url).content.decode()
    assert "?page=3" not in view_as_agent.get(url, {"page": 2}).content.decode()
