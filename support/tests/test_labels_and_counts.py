"""What the hotline customer view and the ticket pages show: names and labels, never codes; one
source for each count shown beside a list."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from o2o_site.roles import Role
from support import services


@pytest.fixture
def as_agent(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def coded_customer(customer, store_order):
    """A customer whose data carries codes everywhere: a TikTok activity, store codes in two cases,
    2.575 points."""
    from channels.models import SalesChannel, Store
    from customers.services import customer_set_preferred_store, points_adjust, record_activity

    SalesChannel.objects.get_or_create(code="tiktok", defaults={"name": "TikTok", "kind": SalesChannel.Kind.TIKTOK})
    Store.objects.get_or_create(code="hcm-q1", defaults={"name": "O2O Quận 1"})
    Store.objects.get_or_create(code="hcm-q7", defaults={"name": "O2O Quận 7"})
    customer_set_preferred_store(customer=customer, store_code="hcm-q1")
    record_activity(customer=customer, kind="web_visit", channel="tiktok", summary="Xem video sản phẩm")
    record_activity(customer=customer, kind="checkin", channel="store", store_code="HCM-Q7", summary="Ghé cửa hàng")
    points_adjust(customer=customer, points=2575, reason="Thử", reference="pts-1")
    return customer


def _visible_text(html: str) -> str:
    """The page as the user reads it: no tags, attributes, scripts or option values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_hotline_customer_view_shows_names_and_labels_never_codes(as_agent, coded_customer, category):
    # when
    html = as_agent.get(reverse("support:customer", args=[coded_customer.pk])).content.decode()
    text = _visible_text(html)
    # then: channel and store names, a local phone number, points with a thousands separator
    assert "O2O Quận 1" in text and "O2O Quận 7" in text and "TikTok" in text
    assert "0912 345 678" in text and "+84912345678" not in text
    coded_customer.refresh_from_db()
    points = coded_customer.points_balance
    assert points >= 2575
    assert f'data-testid="points">{points // 1000}.{points % 1000:03d}<' in html
    for code in ("hcm-q1", "HCM-Q7", "hcm-q7", "tiktok", "web_visit", "checkin", "pos", "hn-01"):
        assert not re.search(rf"(?<![\w/-]){re.escape(code)}(?![\w/-])", text), code


def test_the_ticket_page_shows_status_labels_in_its_history(as_agent, ticket, agent):
    services.ticket_transition(ticket=ticket, to_status="open", actor=agent)
    services.ticket_transition(ticket=ticket, to_status="waiting", actor=agent)
    text = _visible_text(as_agent.get(reverse("support:ticket", args=[ticket.pk])).content.decode())
    assert "Mới → Đang xử lý" in text and "Đang xử lý → Chờ khách hàng" in text
    for code in ("new", "open", "waiting", "resolved", "hotline", "normal"):
        assert not re.search(rf"(?<![\w/-]){code}(?![\w/-])", text), code


def test_the_assign_list_shows_full_names_and_leaves_service_accounts_out(as_agent, ticket, make_user):
    make_user(Role.AGENT, username="cti", first_name="Tổng đài", last_name="CTI")
    make_user(Role.AGENT, username="lan", first_name="Lan", last_name="Nguyễn Thị")
    html = as_agent.get(reverse("support:ticket", args=[ticket.pk])).content.decode()
    select = html[html.index('name="assignee"') : html.index("</select>", html.index('name="assignee"'))]
    assert "Lan Nguyễn Thị" in select
    assert ">cti<" not in select and "CTI" not in select
    assert ">lan<" not in select


def test_order_count_beside_the_order_list_counts_the_listed_orders(as_agent, customer, shopee_order, store_order):
    # given a TikTok purchase customers counted with no order row (an import): 3 purchases, 2 orders
    from customers.services import record_purchase

    record_purchase(
        customer=customer, amount=3_490_000, channel="tiktok", occurred_at=timezone.now(), order_ref="IMPORT-1"
    )
    customer.refresh_from_db()
    assert customer.order_count == 3
    # when
    html = as_agent.get(reverse("support:customer", args=[customer.pk])).content.decode()
    # then the list holds every order counted, and each count beside it agrees with its rows
    assert html.count('data-testid="order-row"') == 3
    assert "IMPORT-1" in html and "3.490.000 ₫" in html and "TikTok" in _visible_text(html)
    assert re.search(r'data-testid="order-count">3<', html)
    assert re.search(r'data-testid="orders-count">3<', html)
    assert "orders-more" not in html


def test_a_returned_order_is_listed_and_counted_once(as_agent, customer, shopee_order):
    from channels.services import order_status_change

    order_status_change(order=shopee_order, status="returned")
    html = as_agent.get(reverse("support:customer", args=[customer.pk])).content.decode()
    assert html.count('data-testid="order-row"') == 1
    assert re.search(r'data-testid="orders-count">1<', html)


def test_the_open_ticket_count_says_when_more_are_open_than_listed(as_agent, customer, category):
    for i in range(12):
        services.ticket_create(customer=customer, category=category, subject=f"Yêu cầu {i}")
    html = as_agent.get(reverse("support:customer", args=[customer.pk])).content.decode()
    assert re.search(r'data-testid="open-tickets-count">12<', html)
    assert "Đang hiện 10 trong 12 yêu cầu đang mở" in html


def test_each_queue_badge_counts_the_rows_its_tab_lists(as_agent, agent, customer, category):
    # given: 3 tickets assigned to me, one of them resolved, one overdue
    open_one = services.ticket_create(customer=customer, category=category, subject="A", assignee=agent)
    services.ticket_create(customer=customer, category=category, subject="B", assignee=agent)
    done = services.ticket_create(customer=customer, category=category, subject="C", assignee=agent)
    services.ticket_resolve(ticket=done, actor=agent)
    late = services.ticket_create(
        customer=customer, category=category, subject="D", now=timezone.now() - timedelta(days=3)
    )
    assert late.is_overdue and open_one.is_open
    # when / then
    for scope, testid in (("mine", "tab-mine"), ("overdue", "tab-overdue")):
        html = as_agent.get(reverse("support:tickets"), {"scope": scope}).content.decode()
        badge = re.search(rf'data-testid="{testid}".*?<span class="badge[^"]*">(\d+)</span>', html, re.S).group(1)
        rows = len(re.findall(r'<td><a href="/support/tickets/\d+/">', html))
        assert int(badge) == rows, scope
    mine = as_agent.get(reverse("support:tickets"), {"scope": "mine"}).content.decode()
    assert "Đã giải quyết" not in _visible_text(mine).split("Người xử lý", 1)[1]


def test_support_templates_have_no_inline_script_or_handlers():
    # The Content-Security-Policy forbids inline script: behaviour lives in static files.
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "templates" / "support"
    for path in folder.glob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
        assert not re.search(r"\son[a-z]+\s*=", text), path.name
