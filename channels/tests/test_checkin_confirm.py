"""The public check-in keeps the visit but creates or enriches no profile until the visitor
confirms their phone with the one-time code sent to it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from channels.models import CheckIn
from customers.models import Customer, Message
from customers.services import customer_resolve


def _code() -> str:
    return Message.objects.filter(ref_type="one_time_code").latest("pk").params["code"]


def _challenge(response) -> str:
    return re.search(r'name="challenge" value="([0-9a-f]+)"', response.content.decode()).group(1)


@pytest.fixture
def checkin_url(store):
    return reverse("channels:store-checkin", args=[store.code])


def test_the_form_shows_the_privacy_notice(client, checkin_url):
    html = client.get(checkin_url).content.decode()
    assert "Thông báo về dữ liệu cá nhân" in html and "chỉ được tạo hoặc cập nhật khi bạn nhập đúng mã" in html


def test_an_unconfirmed_phone_records_the_visit_but_creates_no_customer(client, checkin_url, store):
    # when: someone types a phone
    sent = client.post(checkin_url, {"phone": "0912 345 678", "full_name": "Lê Thị Hoa"})
    # then: the visit is kept, nobody is created, and a service SMS with the code goes to that phone
    assert sent.status_code == 200 and "Thông báo về dữ liệu cá nhân" in sent.content.decode()
    checkin = CheckIn.objects.get()
    assert checkin.customer_id is None and checkin.store == store and checkin.confirmed_at is None
    assert not Customer.objects.exists()
    message = Message.objects.get(ref_type="one_time_code")
    assert message.customer_id is None and message.to_address == "+84912345678" and message.purpose == "service"


def test_an_unconfirmed_phone_does_not_enrich_an_existing_profile(client, checkin_url):
    # given: a customer with this phone and no name
    owner = customer_resolve(phone="0912345678", source="test").customer
    # when: a stranger checks in with that phone and another name, and never confirms
    client.post(checkin_url, {"phone": "0912345678", "full_name": "Kẻ Mạo Danh"})
    # then: the profile is untouched: no name, no visit on its timeline
    owner.refresh_from_db()
    assert owner.full_name == "" and not owner.activities.filter(kind="checkin").exists()
    assert CheckIn.objects.get().customer_id is None


def test_the_right_code_creates_the_profile_and_joins_the_visit_to_it(client, checkin_url, store):
    sent = client.post(checkin_url, {"phone": "0912 345 678", "full_name": "Lê Thị Hoa"})
    confirm = reverse("channels:store-checkin-confirm", args=[store.code])
    challenge = _challenge(sent)
    wrong_code = "000000" if _code() != "000000" else "111111"
    # a wrong code is refused with the reason, and nothing is created
    wrong = client.post(confirm, {"challenge": challenge, "code": wrong_code})
    assert wrong.status_code == 400 and "Mã xác nhận không đúng" in wrong.content.decode()
    assert not Customer.objects.exists()
    malformed = client.post(confirm, {"challenge": challenge, "code": "12ab"})
    assert malformed.status_code == 400 and "6 chữ số" in malformed.content.decode()
    # the right code: the customer exists, with the name given, and the visit is theirs
    done = client.post(confirm, {"challenge": challenge, "code": _code()})
    assert done.status_code == 200 and "Cảm ơn" in done.content.decode()
    customer = Customer.objects.get()
    checkin = CheckIn.objects.get()
    assert customer.full_name == "Lê Thị Hoa" and checkin.customer == customer and checkin.confirmed_at
    assert customer.activities.filter(kind="checkin", ref_id=str(checkin.pk)).count() == 1
    # the code works once
    again = client.post(confirm, {"challenge": challenge, "code": _code()})
    assert again.status_code == 400 and "đã được dùng" in again.content.decode()
    assert customer.activities.filter(kind="checkin").count() == 1


def test_a_forged_challenge_is_refused(client, store):
    confirm = reverse("channels:store-checkin-confirm", args=[store.code])
    response = client.post(confirm, {"challenge": "f" * 32, "code": "123456"})
    assert response.status_code == 400 and "không tồn tại" in response.content.decode()
