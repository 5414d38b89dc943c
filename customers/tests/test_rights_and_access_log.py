"""Least privilege on the customer base: agents search (never list), the Manager reads the
append-only access log of who looked at whom."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from customers.models import AccessLog
from customers.services import access_record

from .factories import make_customer


@pytest.fixture
def many(db):
    return [make_customer(f"Trần Văn Bình {i}", f"0903{i:06d}") for i in range(25)]


def test_an_agent_must_search_and_gets_at_most_twenty_customers(api_as, agent, manager, many):
    client = api_as(agent)
    # listing the base is refused, as is a one-letter query
    for params in ({"page_size": 200}, {"q": "b"}):
        refused = client.get("/api/v1/customers/", params)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "query_required"
    # a search answers at most 20, without further pages
    body = client.get("/api/v1/customers/", {"q": "tran van binh", "page": 2, "page_size": 200}).json()
    assert len(body["results"]) == 20 and body["truncated"] is True and body["next"] is None
    # the manager still lists and pages everything
    listed = api_as(manager).get("/api/v1/customers/", {"page_size": 10}).json()
    assert listed["count"] == 25 and listed["next"]


def test_the_customer_screen_asks_an_agent_for_a_query(client, agent, many):
    client.force_login(agent)
    empty = client.get(reverse("customers:list")).content.decode()
    assert "ít nhất 3 ký tự" in empty and "Trần Văn Bình" not in empty
    found = client.get(reverse("customers:list"), {"q": "tran van binh", "page": 2})
    assert len(found.context["page"].object_list) == 20
    assert not found.context["page"].has_other_pages()


def test_profile_views_and_searches_are_logged_from_screen_and_api(client, api_as, agent, many):
    customer = many[0]
    client.force_login(agent)
    client.get(reverse("customers:detail", args=[customer.pk]))
    client.get(reverse("customers:list"), {"q": "0903000000"})
    api_as(agent).get(f"/api/v1/customers/{customer.pk}/")
    rows = list(AccessLog.objects.order_by("id").values_list("user__username", "action", "source", "customer_id"))
    assert rows == [
        ("agent", "profile", "customers:detail", customer.pk),
        ("agent", "lookup", "customers:list", None),
        ("agent", "profile", "customers-api-detail", customer.pk),
    ]
    assert AccessLog.objects.get(action="lookup").result_ids == [customer.pk]


def test_the_manager_reads_the_access_log_filtered_and_paged(client, manager, agent, marketer, many):
    for customer in many:
        access_record(user=agent, action="profile", source="support:customer", customer=customer)
    access_record(user=marketer, action="lookup", source="customers:list", query="bình")
    client.force_login(manager)
    url = reverse("customers:access-log")
    page = client.get(url)
    assert page.status_code == 200 and len(page.context["page"].object_list) == 26
    html = client.get(url, {"user": "agent", "customer": many[3].pk}).content.decode()
    assert f"#{many[3].pk}" in html and f"#{many[4].pk}<" not in html
    assert "Xem hồ sơ" in html  # the action's display name, not its code
    assert len(client.get(url, {"action": "lookup"}).context["page"].object_list) == 1
    bad = client.get(url, {"since": "2026-12-02", "until": "2026-12-01", "customer": "x"})
    assert bad.status_code == 200 and "Ngày kết thúc" in bad.content.decode()
    assert "Chưa có lượt truy cập" in client.get(url, {"user": "nobody"}).content.decode()
    for user in (agent, marketer):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_the_access_log_screen_has_a_flat_query_count(client, manager, agent, many, django_assert_max_num_queries):
    for customer in many[:3]:
        access_record(user=agent, action="profile", source="support:customer", customer=customer)
    client.force_login(manager)
    url = reverse("customers:access-log")
    with django_assert_max_num_queries(8):
        client.get(url)
    for customer in many:
        access_record(user=agent, action="profile", source="support:customer", customer=customer)
    with django_assert_max_num_queries(8):
        client.get(url)


def test_the_admin_shows_the_access_log_read_only(client, make_user, agent, many):
    from o2o_site.roles import Role

    row = access_record(user=agent, action="profile", source="support:customer", customer=many[0])
    client.force_login(make_user(Role.MANAGER, is_staff=True))
    assert client.get(reverse("admin:customers_accesslog_changelist")).status_code == 200
    change = client.get(reverse("admin:customers_accesslog_change", args=[row.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.get(reverse("admin:customers_accesslog_add")).status_code == 403
    assert client.post(reverse("admin:customers_accesslog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk).exists()


@pytest.mark.postgres
def test_the_database_refuses_to_edit_or_delete_the_access_log(agent, many):
    row = access_record(user=agent, action="profile", source="support:customer", customer=many[0])
    for attempt in (
        lambda: AccessLog.objects.filter(pk=row.pk).update(query="sửa"),
        lambda: AccessLog.objects.filter(pk=row.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert AccessLog.objects.get(pk=row.pk).query == ""
