"""A cashier sees one identified customer, masked, and spends points only in a sale of their
store with the customer proven present (member code, or a one-time code sent to the phone)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import AccessLog, Message, OneTimeCode
from customers.services import customer_member_code, points_adjust

from .factories import make_customer, make_voucher


@pytest.fixture
def rich_customer(db):
    customer = make_customer("Nguyễn Văn An", "0943123000")
    points_adjust(customer=customer, points=500, reason="thưởng")
    return customer


def _sale(store, cashier, customer=None):
    from channels.services import store_sale_create

    return store_sale_create(store=store, cashier=cashier, customer=customer, lines=[], total=200_000)


def test_the_counter_screen_finds_only_the_exact_phone_and_shows_it_masked(client, cashier_a, store_a, rich_customer):
    # given: a customer with a voucher usable here
    voucher = make_voucher(customer=rich_customer, stores=[store_a])
    client.force_login(cashier_a)
    url = reverse("promotions:cashier-customer")
    # when: the cashier types the last digits only
    partial = client.get(url, {"phone": "3000"}).content.decode()
    # then: nobody is shown
    assert voucher.code not in partial and "Không tìm thấy" in partial
    # when: the full phone
    html = client.get(url, {"phone": "0943 123 000"}).content.decode()
    # then: the voucher, the points, and only masked contact data
    assert voucher.code in html and "500 điểm" in html
    assert "0943 *** 000" in html and "N. V. An" in html
    assert "0943123000" not in html and "+84943123000" not in html and "Nguyễn Văn An" not in html
    # and: the member code from the card finds the same customer; each lookup is logged
    by_code = client.get(url, {"phone": customer_member_code(rich_customer)}).content.decode()
    assert voucher.code in by_code
    logged = list(AccessLog.objects.filter(user=cashier_a).order_by("id"))
    assert [row.action for row in logged] == ["counter"] * 3
    assert logged[1].result_ids == [rich_customer.pk] and logged[0].result_ids == []


def test_a_forged_member_code_finds_nobody(api_as, cashier_a, store_a, rich_customer):
    forged = f"KH-{rich_customer.pk}-AAAAAA"
    body = api_as(cashier_a).get("/api/v1/cashier/customer/", {"member_code": forged}).json()
    assert body == {"count": 0, "results": []}


def test_the_counter_lookup_api_answers_masked_data_for_the_cashiers_store_only(
    api_as, cashier_a, store_a, store_b, rich_customer
):
    client = api_as(cashier_a)
    body = client.get("/api/v1/cashier/customer/", {"phone": "+84943123000"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["phone_masked"] == "0943 *** 000" and row["points_balance"] == 500
    assert set(row) == {"id", "display_name", "phone_masked", "points_balance", "vouchers"}
    assert client.get("/api/v1/cashier/customer/", {"store": store_b.code, "phone": "0943123000"}).status_code == 403
    assert client.get("/api/v1/cashier/customer/").status_code == 400


def test_a_cashier_reads_no_profile_and_writes_no_points_or_consent_through_the_customers_api(
    api_as, cashier_a, agent, rich_customer
):
    client = api_as(cashier_a)
    pk = rich_customer.pk
    assert client.get("/api/v1/customers/", {"page_size": 200}).status_code == 403
    for path in ("", "points/", "consents/", "timeline/"):
        assert client.get(f"/api/v1/customers/{pk}/{path}").status_code == 403
    spend = client.post(f"/api/v1/customers/{pk}/points/", {"action": "spend", "points": 5}, format="json")
    assert spend.status_code == 403
    grant = {"channel": "sms", "purpose": "marketing", "granted": True, "source": "store", "evidence": "phiếu"}
    assert client.post(f"/api/v1/customers/{pk}/consents/", grant, format="json").status_code == 403
    # and an agent may not grant either (a withdrawal the caller asks for is fine)
    agent_client = api_as(agent)
    refused = agent_client.post(f"/api/v1/customers/{pk}/consents/", grant, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    withdrawal = {**grant, "granted": False, "evidence": ""}
    assert agent_client.post(f"/api/v1/customers/{pk}/consents/", withdrawal, format="json").status_code == 201
    rich_customer.refresh_from_db()
    assert rich_customer.points_balance == 500


def test_points_are_spent_with_the_member_code_in_a_sale_of_the_cashiers_store(
    api_as, cashier_a, cashier_b, store_a, store_b, rich_customer
):
    client = api_as(cashier_a)
    sale = _sale(store_a, cashier_a)
    other_store_sale = _sale(store_b, cashier_b)
    body = {"customer": rich_customer.pk, "points": 200, "member_code": customer_member_code(rich_customer)}
    # no proof of the customer: refused
    no_proof = client.post("/api/v1/cashier/points/", {**body, "member_code": "", "sale": sale.number}, format="json")
    assert no_proof.status_code == 400 and no_proof.json()["error"]["code"] == "identification_required"
    # a sale of another store: refused
    elsewhere = client.post("/api/v1/cashier/points/", {**body, "sale": other_store_sale.number}, format="json")
    assert elsewhere.status_code == 422 and elsewhere.json()["error"]["code"] == "sale_required"
    # the member code of another customer: refused
    other = make_customer("Trần Thị Bình", "0977000111")
    wrong = client.post(
        "/api/v1/cashier/points/",
        {**body, "sale": sale.number, "member_code": customer_member_code(other)},
        format="json",
    )
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "not_this_customer"
    # then: the right code in a sale here spends, once per sale
    ok = client.post("/api/v1/cashier/points/", {**body, "sale": sale.number}, format="json")
    assert ok.status_code == 201 and ok.json()["balance"] == 300
    again = client.post("/api/v1/cashier/points/", {**body, "sale": sale.number}, format="json")
    assert again.status_code == 201 and again.json()["balance"] == 300
    # and a cashier of store B cannot use store A
    assert (
        api_as(cashier_b)
        .post("/api/v1/cashier/points/", {**body, "store": store_a.code, "sale": sale.number}, format="json")
        .status_code
        == 403
    )


def test_points_are_spent_with_a_one_time_code_sent_to_the_customers_phone(
    api_as, cashier_a, store_a, rich_customer, settings
):
    settings.CUSTOMERS_OTP_MAX_ATTEMPTS = 3
    client = api_as(cashier_a)
    sale = _sale(store_a, cashier_a, customer=rich_customer)
    rich_customer.refresh_from_db()
    before = rich_customer.points_balance  # 500 + what the sale earned
    # when: the cashier asks for a code to the phone the customer gives
    sent = client.post("/api/v1/cashier/otp/", {"phone": "0943 123 000"}, format="json")
    assert sent.status_code == 201
    challenge = sent.json()["challenge"]
    assert sent.json()["customer"]["phone_masked"] == "0943 *** 000"
    # then: a service SMS to that exact phone holds the code; only its hash is stored
    message = Message.objects.get(ref_type="one_time_code")
    assert message.purpose == "service" and message.to_address == "+84943123000"
    code = message.params["code"]
    row = OneTimeCode.objects.get(public_id=challenge)
    assert code not in row.code_hash and len(code) == 6
    # the timeline staff read never shows the code
    assert not rich_customer.activities.filter(summary__contains=code).exists()
    body = {"customer": rich_customer.pk, "points": 100, "sale": sale.number, "challenge": challenge}
    wrong_code = "000000" if code != "000000" else "111111"
    wrong = client.post("/api/v1/cashier/points/", {**body, "code": wrong_code}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "otp_wrong"
    ok = client.post("/api/v1/cashier/points/", {**body, "code": code}, format="json")
    assert ok.status_code == 201 and ok.json()["balance"] == before - 100
    # a used code does not work twice (even for another sale)
    second_sale = _sale(store_a, cashier_a)
    reused = client.post("/api/v1/cashier/points/", {**body, "sale": second_sale.number, "code": code}, format="json")
    assert reused.status_code == 400 and reused.json()["error"]["code"] == "otp_used"


def test_a_one_time_code_is_locked_after_the_allowed_wrong_tries(api_as, cashier_a, store_a, rich_customer, settings):
    settings.CUSTOMERS_OTP_MAX_ATTEMPTS = 3
    client = api_as(cashier_a)
    sale = _sale(store_a, cashier_a)
    challenge = client.post("/api/v1/cashier/otp/", {"phone": "0943123000"}, format="json").json()["challenge"]
    code = Message.objects.get(ref_type="one_time_code").params["code"]
    wrong_code = "000000" if code != "000000" else "111111"
    body = {"customer": rich_customer.pk, "points": 100, "sale": sale.number, "challenge": challenge}
    for _ in range(3):
        assert client.post("/api/v1/cashier/points/", {**body, "code": wrong_code}, format="json").status_code == 400
    locked = client.post("/api/v1/cashier/points/", {**body, "code": code}, format="json")
    assert locked.status_code == 400 and locked.json()["error"]["code"] == "otp_locked"
    assert OneTimeCode.objects.get(public_id=challenge).attempts == 3
    rich_customer.refresh_from_db()
    assert rich_customer.points_balance == 500


def test_codes_to_one_phone_are_limited_per_hour(api_as, cashier_a, store_a, rich_customer, settings):
    settings.CUSTOMERS_OTP_PER_PHONE_PER_HOUR = 2
    client = api_as(cashier_a)
    for _ in range(2):
        assert client.post("/api/v1/cashier/otp/", {"phone": "0943123000"}, format="json").status_code == 201
    flood = client.post("/api/v1/cashier/otp/", {"phone": "0943123000"}, format="json")
    assert flood.status_code == 429 and flood.json()["error"]["code"] == "otp_rate_limited"
    assert client.post("/api/v1/cashier/otp/", {"phone": "0999999999"}, format="json").status_code in (400, 404)
