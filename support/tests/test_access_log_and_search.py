"""Every hotline lookup and profile view is in the access log; agents find orders by searching."""

from __future__ import annotations

from django.urls import reverse

from customers.models import AccessLog

from .conftest import make_customer


def test_a_hotline_lookup_and_the_profile_it_opens_are_logged(client, agent, customer):
    # given: a second customer sharing the name
    other = make_customer("Nguyễn Văn An", "0977000333")
    client.force_login(agent)
    # when: the agent searches by name, then opens a profile
    client.get(reverse("support:hotline"), {"q": "nguyen van an"})
    client.get(reverse("support:customer", args=[customer.pk]))
    # then: who, whom, from which screen
    lookup, profile = AccessLog.objects.order_by("id")
    assert (lookup.user, lookup.action, lookup.source, lookup.query) == (
        agent,
        "lookup",
        "support:hotline",
        "nguyen van an",
    )
    assert sorted(lookup.result_ids) == sorted([customer.pk, other.pk])
    assert (profile.user, profile.action, profile.source, profile.customer_id) == (
        agent,
        "profile",
        "support:customer",
        customer.pk,
    )


def test_the_hotline_api_lookup_and_overview_are_logged(api_as, agent, customer):
    client = api_as(agent)
    assert client.get("/api/v1/support/lookup/", {"q": "0912345678"}).status_code == 200
    assert client.get(f"/api/v1/support/customers/{customer.pk}/overview/").status_code == 200
    rows = list(AccessLog.objects.order_by("id").values_list("action", "source", "customer_id", "result_ids"))
    assert rows == [
        ("lookup", "support-lookup", None, [customer.pk]),
        ("profile", "support-overview", customer.pk, []),
    ]


def test_an_agent_finds_orders_by_number_or_exact_phone_but_cannot_list_them(api_as, agent, manager, shopee_order):
    client = api_as(agent)
    # listing is refused with a clear message
    listed = client.get("/api/v1/orders/", {"page_size": 200})
    assert listed.status_code == 400 and listed.json()["error"]["code"] == "query_required"
    # by our number, by the marketplace id, by the customer's exact phone
    for q in (shopee_order.number, "240511ABCXYZ", "0912 345 678"):
        body = client.get("/api/v1/orders/", {"q": q}).json()
        assert [o["number"] for o in body["results"]] == [shopee_order.number], q
        assert body["next"] is None
    # a partial phone finds nothing
    assert client.get("/api/v1/orders/", {"q": "5678"}).json()["results"] == []
    # the manager still lists
    assert api_as(manager).get("/api/v1/orders/").json()["count"] == 1
