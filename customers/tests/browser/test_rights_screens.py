"""The Manager's access log and the public check-in confirmation work on a 360 px screen."""

import re

import pytest

from customers.models import Message
from customers.services import access_record, customer_resolve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> bool:
    return not page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


def test_the_manager_filters_the_access_log_on_a_small_screen(page, live_server, login, manager, agent):
    # given: an agent looked at two customers
    an = customer_resolve(full_name="Nguyễn Văn An", phone="0912 345 678").customer
    binh = customer_resolve(full_name="Trần Thị Bình", phone="0987 654 321").customer
    for customer in (an, binh):
        access_record(user=agent, action="profile", source="support:customer", customer=customer)
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, manager)
    # when: the manager filters by customer
    page.goto(f"{live_server.url}/customers/access-log/")
    page.fill("input[name=customer]", str(an.pk))
    page.click("form[role=search] button[type=submit]")
    # then: only that customer's row, with the action's Vietnamese name
    table = page.inner_text("table")
    assert f"#{an.pk}" in table and f"#{binh.pk}" not in table and "Xem hồ sơ" in table
    assert _no_sideways_scroll(page)


def test_a_visitor_confirms_their_phone_on_a_small_screen(page, live_server):
    from channels.models import Store

    Store.objects.create(code="q1", name="Cửa hàng Quận 1")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/s/q1/")
    assert "Thông báo về dữ liệu cá nhân" in page.content() and _no_sideways_scroll(page)
    page.fill("input[name=phone]", "0912 345 678")
    page.click("button[type=submit]")
    page.wait_for_selector("input[name=code]")
    code = Message.objects.get(ref_type="one_time_code").params["code"]
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Cảm ơn bạn!")
    assert re.search(r"đã được xác nhận", page.content()) and _no_sideways_scroll(page)
