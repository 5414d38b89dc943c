import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from channels import services as channel_services
from o2o_site.roles import Role
from reports.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_marketer_opens_the_o2o_report_and_sees_its_chart(page, live_server, make_user, login):
    # given: a click on a campaign followed by a store visit and a store purchase
    marketer = make_user(Role.MARKETING)
    camp, store, cust = f.campaign("Facebook tháng 6"), f.store("q1"), f.customer("Nguyễn Văn An")
    now = timezone.now()
    f.activity(cust, "ad_click", when=now - dt.timedelta(days=2), campaign_id=camp.pk)
    channel_services.checkin_record(store=store, method="qr", customer=cust, occurred_at=now - dt.timedelta(days=1))
    f.order(cust, total=1_250_000, when=now - dt.timedelta(hours=20), store=store)
    # when
    login(page, marketer)
    page.goto(f"{live_server.url}/reports/o2o/")
    # then: the funnel chart is drawn, with one bar per step, and the table under it
    expect(page.get_by_role("heading", name="Chuỗi O2O")).to_be_visible()
    funnel = page.locator("#o2o-funnel svg[role=img]")
    expect(funnel).to_be_visible()
    expect(funnel.locator("rect.funnel-step")).to_have_count(4)
    expect(page.locator("#o2o-trend svg polyline")).to_have_count(3)
    expect(page.locator("#o2o-campaigns")).to_contain_text("Facebook tháng 6")
    expect(page.locator("#o2o-campaigns")).to_contain_text("1.250.000 ₫")


def test_the_report_fits_a_small_screen(page, live_server, make_user, login):
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, make_user(Role.MANAGER))
    page.goto(f"{live_server.url}/reports/o2o/")
    box = page.locator("#o2o-funnel svg").bounding_box()
    assert box is not None and box["width"] <= 375
