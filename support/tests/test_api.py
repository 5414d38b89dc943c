from datetime import timedelta

import pytest
from django.urls import reverse

from o2o_site.roles import Role
from support import services
from support.models import Ticket

from .conftest import count_queries, make_customer


def test_ticket_create_through_the_api(api_as, agent, customer, category, shopee_order):
    response = api_as(agent).post(
        "/api/v1/support/tickets/",
        {
            "customer": customer.pk,
            "category": "broken-phone",
            "subject": "Máy không sạc được",
            "channel": "zalo",
            "priority": "high",
            "order_ref": shopee_order.number,
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["department"] == "warranty"
    assert body["status"] == "new"
    assert body["customer"] == {"id": customer.pk, "full_name": "Nguyễn Văn An"}
    assert body["order_ref"] == shopee_order.number
    assert body["order_id"] == shopee_order.pk
    assert [e["kind"] for e in body["events"]] == ["created"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"category": "broken-phone", "subject": "x"}, "customer"),
        ({"customer": 0, "category": "broken-phone", "subject": "x"}, "customer"),
        ({"category": "nope", "subject": "x"}, "category"),
        ({"category": "broken-phone", "subject": ""}, "subject"),
        ({"category": "broken-phone", "subject": "x", "priority": "asap"}, "priority"),
    ],
)
def test_ticket_create_refuses_bad_input_with_the_error_body(api_as, agent, customer, category, payload, field):
    if field != "customer":
        payload = {"customer": customer.pk, **payload}
    response = api_as(agent).post("/api/v1/support/tickets/", payload, format="json")
    assert response.status_code in (400, 422)
    assert field in response.json()["error"]["fields"]
    assert Ticket.objects.count() == 0


def test_ticket_transitions_and_comments_through_the_api(api_as, agent, ticket):
    client = api_as(agent)
    opened = client.post(f"/api/v1/support/tickets/{ticket.pk}/transition/", {"status": "open"}, format="json")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    refused = client.post(f"/api/v1/support/tickets/{ticket.pk}/transition/", {"status": "new"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invalid_transition"
    comment = client.post(
        f"/api/v1/support/tickets/{ticket.pk}/comments/", {"body": "Đã gọi khách", "public": False}, format="json"
    )
    assert comment.status_code == 201 and comment.json()["kind"] == "note"
    empty = client.post(f"/api/v1/support/tickets/{ticket.pk}/comments/", {"body": ""}, format="json")
    assert empty.status_code == 400


def test_ticket_list_filters_and_queues(api_as, agent, customer, category, late_delivery, make_user, departments):
    # given: an agent of both departments
    for code in ("warranty", "delivery"):
        departments[code].members.add(agent)
    other = make_user(Role.AGENT)
    mine = services.ticket_create(customer=customer, category=category, subject="Của tôi", assignee=agent)
    services.ticket_create(customer=customer, category=late_delivery, subject="Giao trễ", assignee=other)
    late = services.ticket_create(customer=customer, category=late_delivery, subject="Đã quá hạn")
    Ticket.objects.filter(pk=late.pk).update(due_at=late.created_at - timedelta(hours=1))
    client = api_as(agent)

    def subjects(**params):
        return sorted(t["subject"] for t in client.get("/api/v1/support/tickets/", params).json()["results"])

    # then
    assert subjects(scope="mine") == ["Của tôi"]
    assert subjects(department="delivery") == ["Giao trễ", "Đã quá hạn"]
    assert subjects(overdue="true") == ["Đã quá hạn"]
    assert subjects(q=str(mine.pk)) == ["Của tôi"]
    assert subjects(status="new", priority="normal") == ["Của tôi", "Giao trễ", "Đã quá hạn"]


def test_an_agent_lists_only_their_own_and_their_departments_tickets(
    api_as, agent, manager, customer, category, late_delivery, departments
):
    # given: an agent of the warranty department only
    departments["warranty"].members.add(agent)
    services.ticket_create(customer=customer, category=category, subject="Bảo hành")
    services.ticket_create(customer=customer, category=late_delivery, subject="Giao trễ")
    filed = services.ticket_create(customer=customer, category=late_delivery, subject="Tôi tạo", created_by=agent)

    def subjects(user, **params):
        body = api_as(user).get("/api/v1/support/tickets/", params).json()
        return sorted(t["subject"] for t in body["results"])

    # then: the agent pages their work, not every case; the manager sees all
    assert subjects(agent) == ["Bảo hành", "Tôi tạo"]
    assert subjects(agent, department="delivery") == ["Tôi tạo"]
    assert subjects(manager) == ["Bảo hành", "Giao trễ", "Tôi tạo"]
    # and a ticket named by its number still opens (the caller reads it out)
    assert api_as(agent).get(f"/api/v1/support/tickets/{filed.pk}/").status_code == 200


def test_ticket_list_query_count_does_not_grow(api_as, agent, category):
    client = api_as(agent)
    for i in range(3):
        services.ticket_create(customer=make_customer(f"Khách {i}", f"09120000{i:02d}"), category=category, subject="a")
    client.get("/api/v1/support/tickets/")
    few = count_queries(lambda: client.get("/api/v1/support/tickets/"))
    for i in range(3, 40):
        services.ticket_create(customer=make_customer(f"Khách {i}", f"09120000{i:02d}"), category=category, subject="a")
    assert count_queries(lambda: client.get("/api/v1/support/tickets/")) == few


def test_ticket_queue_screen_query_count_does_not_grow(client, agent, category):
    client.force_login(agent)
    url = reverse("support:tickets") + "?scope=all"
    for i in range(3):
        services.ticket_create(customer=make_customer(f"Khách {i}", f"09130000{i:02d}"), category=category, subject="a")
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for i in range(3, 30):
        services.ticket_create(customer=make_customer(f"Khách {i}", f"09130000{i:02d}"), category=category, subject="a")
    assert count_queries(lambda: client.get(url)) == few


def test_ticket_page_query_count_does_not_grow_with_history(client, agent, ticket):
    client.force_login(agent)
    url = reverse("support:ticket", args=[ticket.pk])
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for i in range(30):
        services.ticket_comment(ticket=ticket, author=agent, body=f"Ghi chú {i}")
    assert count_queries(lambda: client.get(url)) == few


def test_overdue_badge_is_shown_in_the_queue(client, agent, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(due_at=ticket.created_at - timedelta(minutes=1))
    client.force_login(agent)
    html = client.get(reverse("support:tickets") + "?scope=all").content.decode()
    assert 'data-testid="overdue"' in html


def test_departments_and_categories_read_by_agents_written_by_managers(api_as, agent, manager, category):
    codes = {d["code"] for d in api_as(agent).get("/api/v1/support/departments/").json()["results"]}
    assert codes == {"warranty", "delivery"}
    assert api_as(agent).post("/api/v1/support/departments/", {"code": "x", "name": "X"}).status_code == 403
    created = api_as(manager).post(
        "/api/v1/support/categories/",
        {"code": "wrong-item", "name": "Giao sai hàng", "department": "delivery"},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["resolution_minutes"] == 480
    duplicate = api_as(manager).post(
        "/api/v1/support/categories/", {"code": "wrong-item", "name": "Lại", "department": "delivery"}, format="json"
    )
    assert duplicate.status_code == 409


def test_cashiers_may_not_read_tickets(api_as, client, cashier, ticket):
    assert api_as(cashier).get("/api/v1/support/tickets/").status_code == 403
    assert api_as(cashier).get(f"/api/v1/support/tickets/{ticket.pk}/").status_code == 403
    client.force_login(cashier)
    assert client.get(reverse("support:ticket", args=[ticket.pk])).status_code == 403
    assert client.get(reverse("support:tickets")).status_code == 403


def test_new_ticket_from_the_hotline_screen_keeps_input_on_error(client, agent, customer, category):
    client.force_login(agent)
    url = reverse("support:ticket-create", args=[customer.pk])
    bad = client.post(url, {"subject": "Máy nóng khi sạc", "channel": "hotline", "priority": "normal"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Vui lòng chọn loại yêu cầu" in html and "Máy nóng khi sạc" in html
    ok = client.post(
        url, {"category": category.pk, "subject": "Máy nóng khi sạc", "channel": "hotline", "priority": "normal"}
    )
    assert ok.status_code == 302
    assert Ticket.objects.get().department.code == "warranty"


def test_ticket_page_actions(client, agent, ticket):
    client.force_login(agent)
    act = lambda name, data: client.post(reverse("support:ticket-action", args=[ticket.pk, name]), data)  # noqa: E731
    assert act("transition", {"status": "open"}).status_code == 302
    refused = act("transition", {"status": "confirmed"})
    assert refused.status_code == 400
    assert act("comment", {"body": "Khách gửi ảnh", "public": "on"}).status_code == 302
    assert act("assign", {"assignee": agent.pk}).status_code == 302
    assert client.post(f"/support/tickets/{ticket.pk}/nope/", {}).status_code == 404
    ticket.refresh_from_db()
    assert ticket.assignee == agent and ticket.status == "open"


def test_a_public_reply_goes_to_the_customer_and_a_note_does_not(
    gateways, api_as, agent, ticket, django_capture_on_commit_callbacks
):
    client = api_as(agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/support/tickets/{ticket.pk}/comments/", {"body": "Ghi chú riêng"}, format="json")
        client.post(
            f"/api/v1/support/tickets/{ticket.pk}/comments/",
            {"body": "Cửa hàng đã nhận máy", "public": True},
            format="json",
        )
    texts = [r["body"]["text"] for r in gateways["sms"].requests]
    assert len(texts) == 1 and "Cửa hàng đã nhận máy" in texts[0]


def test_admin_screens_open_for_a_manager(client, make_user, ticket):
    admin_user = make_user(Role.MANAGER, is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    for name in ("department", "category", "ticket", "ticketevent", "calllog", "agentprofile"):
        assert client.get(reverse(f"admin:support_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:support_ticket_change", args=[ticket.pk])).status_code == 200


@pytest.mark.parametrize("query", ["status=bogus", "overdue=maybe", "page=abc", "department=nope&priority=x"])
def test_bad_filters_never_answer_500(client, api_as, agent, ticket, query):
    client.force_login(agent)
    assert client.get(reverse("support:tickets") + "?" + query).status_code in (200, 404)
    assert api_as(agent).get("/api/v1/support/tickets/?" + query).status_code in (200, 400, 404)
    assert api_as(agent).get("/api/v1/support/tickets/abc/").status_code == 404


def test_agents_may_not_redeem_vouchers_or_change_prices(api_as, agent):
    client = api_as(agent)
    redeem = client.post("/api/v1/vouchers/redeem/", {"code": "X", "store": "hn-01"}, format="json")
    price = client.post("/api/v1/listings/price/", {"channel": "shopee", "price": 1}, format="json")
    assert redeem.status_code == 403
    assert price.status_code == 403
