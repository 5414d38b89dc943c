"""Stale links and odd input on the support screens: a Vietnamese 404/405 page, never a 500."""

import pytest
from django.urls import reverse

from support.models import CallLog

MISSING = 987654


@pytest.fixture
def as_agent(client, agent):
    client.force_login(agent)
    return client


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", f"/support/tickets/{MISSING}/"),
        ("post", f"/support/tickets/{MISSING}/transition/"),
        ("post", f"/support/tickets/{MISSING}/comment/"),
        ("post", f"/support/tickets/{MISSING}/assign/"),
        ("post", f"/support/tickets/{MISSING}/followup/"),
        ("post", f"/support/tickets/{MISSING}/confirm/"),
        ("get", f"/hotline/customers/{MISSING}/"),
        ("post", f"/hotline/customers/{MISSING}/tickets/"),
        ("post", f"/hotline/calls/{MISSING}/answer/"),
        ("post", f"/hotline/calls/{MISSING}/notes/"),
        ("post", f"/hotline/calls/{MISSING}/end/"),
    ],
)
def test_a_missing_ticket_customer_or_call_is_the_vietnamese_404_page(as_agent, method, url):
    # when
    response = getattr(as_agent, method)(url, {"status": "open", "body": "x", "subject": "x"})
    # then
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html
    assert "Traceback" not in html


def test_an_unknown_ticket_action_is_a_404_page_by_get_and_by_post(as_agent, ticket):
    for method in ("get", "post"):
        response = getattr(as_agent, method)(f"/support/tickets/{ticket.pk}/nope/")
        assert response.status_code == 404
        assert "Không tìm thấy trang" in response.content.decode()


def test_opening_a_form_target_in_the_browser_is_a_405_page_that_says_what_to_do(as_agent, ticket):
    response = as_agent.get(f"/support/tickets/{ticket.pk}/comment/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "chỉ nhận dữ liệu gửi từ biểu mẫu" in response.content.decode()


def test_a_ticket_form_naming_a_call_that_is_gone_still_files_the_ticket(as_agent, customer, category):
    response = as_agent.post(
        reverse("support:ticket-create", args=[customer.pk]),
        {"category": category.pk, "subject": "Máy nóng", "channel": "hotline", "priority": "normal", "call": MISSING},
    )
    assert response.status_code == 302
    assert customer.tickets.get().subject == "Máy nóng"


def test_the_new_customer_form_naming_a_call_that_is_gone_still_saves(as_agent, db):
    response = as_agent.post(
        reverse("support:new-customer"), {"full_name": "Lý Mới", "phone": "0933 111 999", "email": "", "call": MISSING}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("query", ["😀", "中文", "ß", "😀😀 ", "!!!", "ßß"])
def test_a_query_that_folds_to_nothing_finds_nobody_and_says_so(as_agent, customer, query):
    # given customers whose names would all "contain" an empty folded query
    from .conftest import make_customer

    make_customer(name="Trần Thị Bích", phone="+84987654321")
    # when
    html = as_agent.get(reverse("support:hotline"), {"q": query}).content.decode()
    # then
    assert 'data-testid="candidate"' not in html
    assert 'data-testid="unsearchable"' in html
    assert "không tìm khách hàng nào" in html


def test_the_lookup_api_finds_nobody_for_an_emoji(api_as, agent, customer):
    body = api_as(agent).get("/api/v1/support/lookup/", {"q": "😀"}).json()
    assert body == {"candidates": [], "more": False, "searchable": False}


def test_customers_search_no_longer_lists_everyone_for_an_emoji(customer):
    from customers.selectors import customer_search

    assert customer_search("😀") == []
    assert customer_search("中文") == []


def test_nul_bytes_in_the_lookup_api_are_a_400_with_the_error_body(api_as, agent, db):
    response = api_as(agent).get("/api/v1/support/lookup/", {"q": "09\x0012"})
    # refused before the view by the project-wide malformed-input guard, in the one error body
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]["message"]


def test_nul_bytes_in_the_hotline_search_are_refused_in_vietnamese(as_agent, db):
    response = as_agent.get(reverse("support:hotline"), {"q": "an\x00"})
    assert response.status_code == 400
    assert "ký tự NUL" in response.content.decode()


def test_a_search_with_more_matches_than_shown_says_so(as_agent, db):
    # given 12 customers named alike
    from .conftest import make_customer

    for i in range(12):
        make_customer(name=f"Nguyễn Văn Trùng {i}", phone=f"+8490300{i:04d}")
    # when
    html = as_agent.get(reverse("support:hotline"), {"q": "trung"}).content.decode()
    # then
    assert html.count('data-testid="candidate"') == 10
    assert 'data-testid="more-results"' in html and "Có hơn 10 khách hàng" in html


def test_the_lookup_api_says_when_more_matched_than_it_lists(api_as, agent, db):
    from .conftest import make_customer

    for i in range(11):
        make_customer(name=f"Lê Thị Giống {i}", phone=f"+8490400{i:04d}")
    body = api_as(agent).get("/api/v1/support/lookup/", {"q": "giong"}).json()
    assert len(body["candidates"]) == 10 and body["more"] is True and body["searchable"] is True


def test_a_search_with_few_matches_does_not_say_there_are_more(as_agent, customer):
    from .conftest import make_customer

    make_customer(name="Nguyễn Văn Anh", phone="+84903000001")
    html = as_agent.get(reverse("support:hotline"), {"q": "nguyen van"}).content.decode()
    assert html.count('data-testid="candidate"') == 2
    assert "more-results" not in html


def test_call_notes_longer_than_the_limit_are_refused_with_a_message(as_agent, agent, customer):
    from support import services

    call, _ = services.call_ring(call_id="long-1", caller="0912345678", agent="agent")
    services.call_answer(call=call, agent=agent)
    response = as_agent.post(reverse("support:call-notes", args=[call.pk]), {"notes": "x" * 5000})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.notes == ""
    follow = as_agent.get(response["Location"]).content.decode()
    assert "tối đa 4000 ký tự" in follow.lower()
    assert CallLog.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/support/tickets/?q=%00",
        "/support/tickets/?scope=%00",
        "/support/tickets/?scope=weird&page=-1",
        "/support/tickets/?department=%00&status=%00",
        "/support/tickets/?page=99999",
        "/hotline/?q=%00%00",
        "/hotline/?q=" + "9" * 600,
        "/hotline/customers/new/?phone=%00&call=abc",
        "/hotline/customers/new/?call=999999999999999999999",
    ],
)
def test_odd_input_on_the_support_screens_is_never_a_500(as_agent, ticket, path):
    assert as_agent.get(path).status_code < 500


@pytest.mark.parametrize(
    "query", ["page=abc", "page=0", "kind=%00", "channel=bogus", "call=abc", "call=%00", "call=99999999999999999999"]
)
def test_odd_input_on_the_customer_view_is_never_a_500(as_agent, customer, query):
    assert as_agent.get(f"/hotline/customers/{customer.pk}/?{query}").status_code < 500


def test_odd_posts_on_the_support_screens_are_never_a_500(as_agent, ticket, customer):
    bad = {"status": "\x00", "body": "\x00", "note": "\x00", "assignee": "abc", "outcome": "\x00", "call": "x" * 30}
    for action in ("transition", "comment", "assign", "followup", "confirm"):
        assert as_agent.post(f"/support/tickets/{ticket.pk}/{action}/", bad).status_code < 500, action
    create = as_agent.post(
        f"/hotline/customers/{customer.pk}/tickets/", {"subject": "\x00", "category": "\x00", "call": "abc"}
    )
    assert create.status_code == 400


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/api/v1/support/calls/", {"caller": "09\x0012", "call_id": "n\x00ul"}),
        ("post", "/api/v1/support/calls/%00/status/", {"status": "ended"}),
        ("post", "/api/v1/support/calls/nope/status/", {"status": "ended"}),
        ("get", "/api/v1/support/tickets/?q=%00", None),
        ("get", "/api/v1/support/tickets/?department=%00", None),
        ("get", "/api/v1/support/customers/1/overview/?kind=%00&channel=%00", None),
        ("get", "/api/v1/support/customers/999999/overview/", None),
        ("get", "/api/v1/support/tickets/999999/", None),
        ("post", "/api/v1/support/tickets/999999/transition/", {"status": "open"}),
    ],
)
def test_odd_input_on_the_support_api_is_a_4xx_with_the_error_body(api_as, agent, customer, method, path, body):
    client = api_as(agent)
    response = client.post(path, body, format="json") if method == "post" else client.get(path)
    assert 400 <= response.status_code < 500
    assert set(response.json()["error"]) >= {"code", "message", "fields"}
