"""Hosted lead forms: a submission makes a lead with its UTM/click id, consent only when ticked,
bots are turned away, and the chosen store is told."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time

from collect.models import LeadForm, LeadSubmission
from collect.services import lead_forms
from collect.testing import make_campaign
from customers.models import Activity, ConsentState, ConsentText, ContactPoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_form():
    ConsentText.objects.create(
        purpose="marketing", version="2026-11", body="Tôi đồng ý nhận tin khuyến mãi qua SMS/Zalo."
    )
    return LeadForm.objects.create(
        slug="tet", campaign=make_campaign("tet-2027"), title="Nhận ưu đãi Tết", interests="Áo dài\nGiày"
    )


@pytest.fixture
def store(django_user_model):
    from reports.tests.factories import store as make_store

    s = make_store("q1")
    s.staff.add(django_user_model.objects.create_user("q1-staff", email="q1@shop.vn"))
    return s


def old_token():
    with freeze_time(timezone.now() - dt.timedelta(seconds=30)):
        return lead_forms.form_token_make()


def submit(client, path="/f/tet/", **fields):
    data = {"full_name": "Phạm Minh", "phone": "0912345678", "token": old_token(), **fields}
    return client.post(path, data)


def test_the_form_shows_an_unticked_consent_with_its_version(client, lead_form):
    page = client.get("/f/tet/?utm_campaign=tet-2027&gclid=G-1").content.decode()
    assert "Tôi đồng ý nhận tin khuyến mãi" in page and "2026-11" in page
    assert 'name="consent"' in page and "checked" not in page
    assert 'name="gclid" value="G-1"' in page


def test_a_submission_records_the_lead_with_utm_and_no_consent_when_unticked(
    client, lead_form, store, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            client, store="q1", interest="Áo dài", utm_campaign="tet-2027", utm_source="google", gclid="G-1"
        )
    assert response.status_code == 200 and "Cảm ơn" in response.content.decode()
    customer = ContactPoint.objects.get(value="+84912345678").customer
    lead = Activity.objects.get(customer=customer, kind="lead")
    assert lead.campaign_id == lead_form.campaign_id and lead.utm["utm_campaign"] == "tet-2027"
    assert lead.store_code == "q1"
    click = Activity.objects.get(customer=customer, kind="ad_click")
    assert click.campaign_id == lead_form.campaign_id
    assert "gclid" not in click.data  # no marketing consent: the click id is not kept
    assert not ConsentState.objects.filter(customer=customer, granted=True).exists()
    assert LeadSubmission.objects.get().store_notified_at is not None
    assert mail.outbox[0].to == ["q1@shop.vn"] and "Phạm Minh" in mail.outbox[0].body


def test_ticking_the_box_records_marketing_consent_with_the_text_version(client, lead_form):
    submit(client, consent="on", gclid="G-2")
    customer = ContactPoint.objects.get(value="+84912345678").customer
    granted = ConsentState.objects.filter(customer=customer, purpose="marketing", granted=True)
    assert set(granted.values_list("channel", flat=True)) == {"sms", "zns"}
    assert granted.first().last_event.text.version == "2026-11"
    assert Activity.objects.get(kind="ad_click").data["gclid"] == "G-2"


def test_bad_input_is_told_and_nothing_is_written(client, lead_form):
    response = submit(client, phone="12")
    assert response.status_code in (400, 422)
    assert "error" in response.content.decode()
    assert submit(client, full_name="").status_code == 400
    assert not LeadSubmission.objects.exists()


def test_bots_are_refused(client, lead_form):
    assert submit(client, website="http://spam").status_code == 400
    fast = client.post("/f/tet/", {"full_name": "Bot", "phone": "0912345678", "token": lead_forms.form_token_make()})
    assert fast.status_code == 400 and "nhanh quá" in fast.content.decode()
    forged = submit(client, token="123:abc")
    assert forged.status_code == 400
    assert not LeadSubmission.objects.exists()


def test_one_ip_is_rate_limited(client, lead_form, settings):
    from django.core.cache import cache

    cache.clear()
    settings.COLLECT_FORM_PER_HOUR_PER_IP = 2
    assert [submit(client, phone=f"091234567{i}").status_code for i in range(3)] == [200, 200, 429]


def test_an_unknown_or_closed_form_is_a_friendly_404(client, lead_form):
    assert client.get("/f/khong-co/").status_code == 404
    lead_form.is_active = False
    lead_form.save()
    response = client.get("/f/tet/")
    assert response.status_code == 404 and "Không tìm thấy biểu mẫu" in response.content.decode()
