import pytest
from playwright.sync_api import expect

from support.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_takes_a_call_sees_shopee_and_store_orders_and_logs_a_ticket(
    page, live_server, login, agent, customer, category, shopee_order, store_order
):
    from support.services import call_ring

    # given: the agent's hotline screen is open
    login(page, agent)
    page.goto(f"{live_server.url}/hotline/")
    expect(page.get_by_role("heading", name="Tổng đài")).to_be_visible()
    # when: a call rings from a number written as 0912 345 678 (stored as +84912345678)
    call_ring(call_id="cti-42", caller="0912 345 678", agent="agent")
    pop = page.get_by_test_id("screen-pop")
    expect(pop).to_contain_text("Nguyễn Văn An", timeout=6000)
    pop.get_by_role("button", name="Nhận cuộc gọi và mở hồ sơ").click()
    # then: the customer's view, with their Shopee and in-store orders
    expect(page.get_by_test_id("customer-name")).to_have_text("Nguyễn Văn An")
    orders = page.get_by_test_id("order-row")
    expect(orders).to_have_count(2)
    expect(orders.filter(has_text=shopee_order.external_id)).to_contain_text("Shopee")
    expect(orders.filter(has_text=store_order.number)).to_have_count(1)
    # and the agent logs the issue in one step
    form = page.get_by_test_id("ticket-form")
    form.get_by_label("Loại yêu cầu").select_option(label="Điện thoại lỗi → Bảo hành")
    form.get_by_label("Nội dung yêu cầu").fill("Điện thoại mua trên Shopee không sạc được")
    form.get_by_role("button", name="Tạo yêu cầu").click()
    expect(page.get_by_role("status")).to_contain_text("Đã tạo yêu cầu")
    ticket = Ticket.objects.get()
    assert ticket.department.code == "warranty"
    assert ticket.order_ref == store_order.number  # pre-filled with the latest order
    assert ticket.calls.filter(call_id="cti-42").exists()
