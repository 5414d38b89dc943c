"""A marketer builds a two-branch journey on the screen, without code, and sees its dry run."""

import pytest
from playwright.sync_api import expect

from journeys.models import Journey
from journeys.testing import reachable_customer, segment_of
from o2o_site.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _add_step(page, kind_label, fields, select=None):
    page.select_option("select[name=type]", label=kind_label)
    page.get_by_role("button", name="Thêm", exact=True).click()
    for name, value in fields.items():
        page.fill(f"[name={name}]", value)
    for name, value in (select or {}).items():
        page.select_option(f"select[name={name}]", value)
    page.get_by_role("button", name="Lưu bước").click()
    expect(page.locator(".msg-success")).to_be_visible()


def test_a_marketer_builds_a_two_branch_journey_and_sees_the_dry_run(page, live_server, make_user, login):
    # given: a segment of three customers, two of whom agreed to marketing SMS
    from customers.tests.factories import make_customer

    segment = segment_of([reachable_customer("Đồng ý 1"), reachable_customer("Đồng ý 2"), make_customer("Chưa")])
    segment.name = "Bỏ giỏ hàng"
    segment.save()
    page.set_viewport_size({"width": 360, "height": 780})
    login(page, make_user(Role.MARKETING))
    # when: they create the journey and add its steps one form at a time
    page.goto(f"{live_server.url}/journeys/")
    page.get_by_role("link", name="Tạo hành trình").click()
    page.fill("[name=name]", "Nhắc giỏ hàng")
    page.select_option("select[name=entry_kind]", "segment")
    page.select_option("select[name=entry_segment]", label="Bỏ giỏ hàng")
    page.get_by_role("button", name="Lưu").click()
    _add_step(
        page, "Gửi tin", {"key": "s1", "body": "Giỏ hàng đang chờ bạn"}, {"channel": "sms", "purpose": "marketing"}
    )
    _add_step(page, "Chờ", {"key": "w1", "days": "2"})
    _add_step(page, "Kết thúc (bỏ qua)", {"key": "e1"})
    _add_step(page, "Rẽ nhánh", {"key": "b1"}, {"condition": "clicked", "yes": "e1", "no": "e1"})
    # the wait goes on to the branch (edit the wait's next step)
    page.goto(f"{live_server.url}/journeys/{Journey.objects.get().pk}/steps/w1/")
    page.select_option("select[name=next]", "b1")
    page.get_by_role("button", name="Lưu bước").click()
    # then: the flow shows four steps and the dry run counts who would enter and who can be messaged
    expect(page.locator("ol.flow li.flow-step")).to_have_count(4)
    page.get_by_role("link", name="Chạy thử (30 ngày qua)").click()
    expect(page.locator("#dry-run")).to_contain_text("3 khách sẽ vào")
    expect(page.locator("#dry-run")).to_contain_text("2 có thể nhận tin")
    expect(page.locator("#dry-run")).to_contain_text("1 chưa đồng ý nhận tin")
    page.get_by_role("button", name="Xuất bản và chạy").click()
    expect(page.locator(".msg-success")).to_contain_text("Đã xuất bản")
    assert Journey.objects.get().status == "live"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_publishing_a_loop_without_a_wait_shows_the_reason(page, live_server, make_user, login):
    journey = Journey.objects.create(
        name="Vòng lặp",
        entry_kind="manual",
        steps=[
            {"key": "s1", "type": "send", "channel": "sms", "purpose": "marketing", "body": "A", "next": "b1"},
            {"key": "b1", "type": "branch", "condition": "clicked", "yes": "s1", "no": "s1"},
        ],
    )
    login(page, make_user(Role.MANAGER))
    page.goto(f"{live_server.url}/journeys/{journey.pk}/")
    page.get_by_role("button", name="Xuất bản và chạy").click()
    expect(page.locator(".msg-error")).to_contain_text("Vòng lặp không có bước chờ")
    journey.refresh_from_db()
    assert journey.status == "draft"
