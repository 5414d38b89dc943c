"""The screen pop in a real browser, on a phone (360 px) and on a desktop: the pop shows who is
calling with their tickets, last order, segment and voucher; notes typed survive the 2-second
poll and are saved with the answer; the customer view shows the call (timer, end call); the
hotline keys work."""

import pytest
from playwright.sync_api import expect

from support.models import CallLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _contrast(fg: str, bg: str) -> float:
    import re

    def luminance(css: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"\d+", css)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"page is {width}px wide in a {viewport}px window"


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 740}, {"width": 1280, "height": 800}])
def test_screen_pop_answer_and_notes(page, live_server, login, agent, customer, category, shopee_order, viewport):
    from promotions.services import voucher_issue
    from support import services

    # given: the caller has an open ticket and a voucher; the agent's hotline screen is open
    services.ticket_create(customer=customer, category=category, subject="Máy không sạc được")
    voucher = voucher_issue(customer=customer, discount_type="fixed", discount_value=50_000)
    page.set_viewport_size(viewport)
    login(page, agent)
    page.goto(f"{live_server.url}/hotline/")
    # when: a call rings
    services.call_ring(call_id="b-1", caller="0912345678", agent="agent")
    pop = page.get_by_test_id("screen-pop")
    expect(pop).to_contain_text("Nguyễn Văn An", timeout=6000)
    # then: within the pop, what the agent needs first
    expect(pop).to_contain_text("0912 345 678")
    expect(pop.get_by_test_id("pop-tickets")).to_contain_text("Máy không sạc được")
    expect(pop.get_by_test_id("pop-last-order")).to_contain_text("Shopee")
    expect(pop.get_by_test_id("pop-voucher")).to_contain_text(voucher.code)
    _no_sideways_scroll(page)
    # and notes typed while it rings survive the poll (two polls pass) and are saved on answer
    pop.get_by_test_id("pop-notes").fill("Khách hỏi đổi máy")
    page.wait_for_timeout(4500)
    expect(pop.get_by_test_id("pop-notes")).to_have_value("Khách hỏi đổi máy")
    pop.get_by_role("button", name="Nhận cuộc gọi và mở hồ sơ").click()
    expect(page.get_by_test_id("customer-name")).to_have_text("Nguyễn Văn An")
    active = page.get_by_test_id("active-call")
    expect(active).to_be_visible()
    expect(page.get_by_test_id("call-notes")).to_have_value("Khách hỏi đổi máy")
    expect(page.get_by_test_id("call-timer")).not_to_have_text("00:00", timeout=4000)
    _no_sideways_scroll(page)
    call = CallLog.objects.get(call_id="b-1")
    assert call.status == "answered" and call.agent == agent and call.notes == "Khách hỏi đổi máy"
    # and the agent ends the call
    page.get_by_test_id("call-notes").fill("Khách hỏi đổi máy; hẹn mang máy tới cửa hàng")
    page.get_by_test_id("end-call").click()
    expect(page.get_by_role("status")).to_contain_text("Đã kết thúc cuộc gọi")
    call.refresh_from_db()
    assert call.status == "ended"


def test_hotline_keys_slash_searches_n_opens_a_ticket_ctrl_enter_submits(
    page, live_server, login, agent, customer, category
):
    from support.models import Ticket

    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, agent)
    page.goto(f"{live_server.url}/hotline/customers/{customer.pk}/")
    page.locator("body").click(position={"x": 5, "y": 300})
    # "/" focuses the search box
    page.keyboard.press("/")
    expect(page.locator("form[role=search] input[name=q]")).to_be_focused()
    page.keyboard.press("Escape")
    page.locator("h1").click()
    # "n" opens the new-ticket form on its first field
    page.keyboard.press("n")
    expect(page.locator("#id_category")).to_be_focused()
    page.locator("#id_category").select_option(label="Điện thoại lỗi → Bảo hành")
    page.locator("#id_subject").fill("Loa rè")
    # the ticket form comes before the open tickets in tab order
    order = page.evaluate(
        """() => {
        const all = [...document.querySelectorAll('a, button, input, select, textarea')];
        return [all.indexOf(document.querySelector('#id_category')),
                all.indexOf(document.querySelector('#h-tickets'))];
    }"""
    )
    heading = page.evaluate(
        "() => document.querySelector('#ticket-form').compareDocumentPosition(document.querySelector('#h-tickets'))"
    )
    assert heading & 4, order  # DOCUMENT_POSITION_FOLLOWING: the tickets list comes after the form
    # Ctrl+Enter submits
    page.locator("#id_subject").press("Control+Enter")
    expect(page.get_by_role("status")).to_contain_text("Đã tạo yêu cầu")
    assert Ticket.objects.get().subject == "Loa rè"


def test_the_selected_queue_tab_badge_is_readable_and_matches_the_rows(
    page, live_server, login, agent, customer, category
):
    from support import services

    for subject in ("A", "B"):
        services.ticket_create(customer=customer, category=category, subject=subject, assignee=agent)
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, agent)
    page.goto(f"{live_server.url}/support/tickets/?scope=mine")
    badge = page.get_by_test_id("tab-mine").locator(".badge")
    expect(badge).to_have_text("2")
    colors = badge.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    assert _contrast(*colors) >= 4.5, colors  # WCAG AA for text
    expect(page.locator("table.ticket-table tbody tr")).to_have_count(2)
    _no_sideways_scroll(page)
