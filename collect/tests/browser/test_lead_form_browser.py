"""A hosted lead form end to end in a real browser, on a phone-sized screen."""

import time

import pytest

from collect.models import LeadForm
from collect.testing import make_campaign
from customers.models import Activity, ConsentState, ConsentText, ContactPoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lead_form(settings):
    settings.COLLECT_FORM_MIN_SECONDS = 1
    ConsentText.objects.create(purpose="marketing", version="2026-11", body="Tôi đồng ý nhận tin khuyến mãi.")
    return LeadForm.objects.create(
        slug="tet", campaign=make_campaign("tet-2027"), title="Nhận ưu đãi Tết", interests="Áo dài\nGiày"
    )


def fill(page, live_server, phone):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/f/tet/?utm_source=facebook&utm_campaign=tet-2027&fbclid=FB-1")
    page.get_by_label("Họ tên").fill("Đỗ Hà")
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label("Bạn quan tâm").select_option("Áo dài")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    time.sleep(1.2)  # a person takes longer than the bot time check


def test_consent_left_unticked_gives_a_lead_and_no_marketing_consent(page, live_server, lead_form):
    fill(page, live_server, "0912345678")
    consent = page.locator("input[name=consent]")
    assert not consent.is_checked()
    page.get_by_role("button", name="Gửi đăng ký").click()
    page.get_by_text("Cảm ơn bạn đã đăng ký!").wait_for()
    customer = ContactPoint.objects.get(value="+84912345678").customer
    lead = Activity.objects.get(customer=customer, kind="lead")
    assert lead.utm["utm_campaign"] == "tet-2027" and lead.campaign_id == lead_form.campaign_id
    assert not ConsentState.objects.filter(customer=customer, purpose="marketing", granted=True).exists()


def test_ticked_consent_is_recorded_and_a_bad_phone_is_explained(page, live_server, lead_form):
    fill(page, live_server, "12")
    page.get_by_role("button", name="Gửi đăng ký").click()
    assert page.locator(".error").first.is_visible()
    page.get_by_label("Số điện thoại").fill("0987654321")
    page.locator("input[name=consent]").check()
    time.sleep(1.2)
    page.get_by_role("button", name="Gửi đăng ký").click()
    page.get_by_text("Cảm ơn bạn đã đăng ký!").wait_for()
    customer = ContactPoint.objects.get(value="+84987654321").customer
    assert ConsentState.objects.filter(customer=customer, purpose="marketing", granted=True).count() == 2
