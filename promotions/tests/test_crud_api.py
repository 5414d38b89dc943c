"""CRUD endpoints for the roles that manage promotions, list filters and query counts, bulk issue,
and the functions other apps rely on (voucher_issue, vouchers_usable_for_customer, voucher_find_by_code)."""

import datetime as dt

import pytest
from django.utils import timezone

from o2o_site.roles import Role
from promotions.codes import ALPHABET
from promotions.models import Voucher, VoucherBatch
from promotions.selectors import voucher_find_by_code, vouchers_usable_for_customer
from promotions.services import voucher_issue

from .factories import make_customer, make_promotion, make_sku, make_voucher

pytestmark = pytest.mark.django_db


def test_create_a_voucher_with_the_documented_fields(api_as, marketer, store_a, customer):
    response = api_as(marketer).post(
        "/api/v1/vouchers/",
        {
            "discount_type": "percent",
            "discount_value": 15,
            "max_discount": 200_000,
            "min_basket": 1_000_000,
            "valid_from": "2026-12-01T00:00:00+07:00",
            "valid_to": "2026-12-31T23:59:59+07:00",
            "stores": ["q1"],
            "customer": customer.pk,
            "usage_limit": 5,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["code"]) == 10 and set(body["code"]) <= set(ALPHABET)
    assert body["kind"] == "personal" and body["usage_limit"] == 1  # personal is single use
    assert body["stores"] == ["q1"] and body["store_only"] is True
    assert body["short_link"].endswith(f"/v/{body['code']}")


def test_a_given_code_is_kept_and_a_taken_one_refused(api_as, marketer):
    client = api_as(marketer)
    payload = {"code": "tet-2027", "discount_type": "fixed", "discount_value": 50_000, "usage_limit": 100}
    assert client.post("/api/v1/vouchers/", payload, format="json").json()["code"] == "TET2027"
    again = client.post("/api/v1/vouchers/", payload, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "code_taken"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"discount_type": "percent", "discount_value": 150}, "discount_value"),
        ({"discount_type": "fixed", "discount_value": 0}, "discount_value"),
        ({"discount_type": "gift"}, "gift_sku"),
        ({"discount_type": "fixed", "discount_value": 1, "stores": ["nowhere"]}, "stores"),
        (
            {
                "discount_type": "fixed",
                "discount_value": 1,
                "valid_from": "2026-12-02T00:00:00Z",
                "valid_to": "2026-12-01T00:00:00Z",
            },
            "valid_to",
        ),
        ({"discount_type": "bogus"}, "discount_type"),
    ],
)
def test_bad_voucher_input_is_a_field_error_not_a_500(api_as, marketer, store_a, payload, field):
    response = api_as(marketer).post("/api/v1/vouchers/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_a_used_voucher_cannot_be_deleted(api_as, marketer, cashier_a):
    voucher = make_voucher()
    api_as(cashier_a).post("/api/v1/vouchers/redeem/", {"code": voucher.code, "basket": {"total": 1}}, format="json")
    response = api_as(marketer).delete(f"/api/v1/vouchers/{voucher.pk}/")
    assert response.status_code == 409


def test_cashiers_and_agents_cannot_manage_vouchers(api_as, cashier_a, agent):
    for user in (cashier_a, agent):
        assert api_as(user).get("/api/v1/vouchers/").status_code == 403
        assert api_as(user).post("/api/v1/campaigns/", {}, format="json").status_code == 403


def test_voucher_list_filters_and_keeps_its_query_count(api_as, marketer, store_a, django_assert_max_num_queries):
    client = api_as(marketer)
    make_voucher(stores=[store_a])
    with django_assert_max_num_queries(10) as few:
        assert client.get("/api/v1/vouchers/").status_code == 200
    for _ in range(15):
        make_voucher(stores=[store_a], discount_type="percent", discount_value=5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/vouchers/?discount_type=percent")
    assert response.json()["count"] == 15


def test_campaign_crud_and_spends(api_as, marketer, django_assert_max_num_queries):
    client = api_as(marketer)
    created = client.post(
        "/api/v1/campaigns/",
        {
            "name": "Facebook khai trương",
            "utm_source": "facebook",
            "utm_medium": "cpc",
            "utm_campaign": "fb-khai-truong",
            "journey_stage": "awareness",
            "budget": 10_000_000,
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-31",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    spend = client.post(
        f"/api/v1/campaigns/{pk}/spends/", {"spent_on": "2026-12-02", "amount": 1_500_000}, format="json"
    )
    assert spend.status_code == 201
    duplicate = client.post(
        "/api/v1/campaigns/",
        {**created.json(), "utm_campaign": "fb-khai-truong", "channel_code": ""},
        format="json",
    )
    assert duplicate.status_code == 400 and "utm_campaign" in duplicate.json()["error"]["fields"]
    with django_assert_max_num_queries(6):
        listed = client.get("/api/v1/campaigns/?journey_stage=awareness")
    assert listed.json()["results"][0]["spent"] == 1_500_000


def test_promotion_crud_with_scopes(api_as, marketer, store_a):
    make_sku("BANH-1")
    response = api_as(marketer).post(
        "/api/v1/promotions/",
        {
            "name": "Giờ vàng",
            "kind": "percent_bill",
            "percent": 10,
            "stores": ["q1"],
            "skus": ["BANH-1"],
            "weekdays": [0, 1, 2, 3, 4],
            "time_from": "12:00",
            "time_to": "13:00",
            "valid_from": "2026-12-01T00:00:00+07:00",
            "valid_to": "2027-01-01T00:00:00+07:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["stores"] == ["q1"] and response.json()["skus"] == ["BANH-1"]
    bad = api_as(marketer).post(
        "/api/v1/promotions/",
        {"name": "x", "kind": "bundle", "valid_from": "2026-12-01T00:00:00Z", "valid_to": "2027-01-01T00:00:00Z"},
        format="json",
    )
    assert bad.status_code == 400 and "buy_quantity" in bad.json()["error"]["fields"]


def test_promotion_and_redemption_lists_keep_their_query_count(
    marketer, cashier_a, store_a, django_assert_max_num_queries
):
    from rest_framework.test import APIClient

    make_promotion(stores=[store_a])
    voucher = make_voucher(usage_limit=100)
    redeem = APIClient()
    redeem.force_authenticate(cashier_a)
    redeem.post("/api/v1/vouchers/redeem/", {"code": voucher.code, "basket": {"total": 1}}, format="json")
    for _ in range(10):
        make_promotion(stores=[store_a])
        redeem.post("/api/v1/vouchers/redeem/", {"code": voucher.code, "basket": {"total": 1}}, format="json")
    client = APIClient()
    client.force_authenticate(marketer)
    # a page, a count and one query per relation: 11 rows, still 8 queries at most
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/promotions/").json()["count"] == 11
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/redemptions/").json()["count"] == 11


def test_a_cashier_sees_only_their_stores_redemptions(api_as, cashier_a, cashier_b):
    voucher = make_voucher(usage_limit=10)
    api_as(cashier_a).post("/api/v1/vouchers/redeem/", {"code": voucher.code, "basket": {"total": 1}}, format="json")
    assert api_as(cashier_b).get("/api/v1/redemptions/").json()["count"] == 0


# --- what other apps rely on ------------------------------------------------------------------


def test_voucher_issue_makes_a_personal_store_only_voucher(store_a, customer):
    voucher = voucher_issue(
        customer=customer, discount_type="fixed", discount_value=100_000, stores=[store_a], source="support:ticket:1"
    )
    assert voucher.kind == Voucher.Kind.PERSONAL and voucher.store_only and voucher.usage_limit == 1
    assert (voucher.valid_to - voucher.valid_from) == dt.timedelta(days=30)
    assert voucher_find_by_code(f" {voucher.code.lower()} ") == voucher
    assert voucher_find_by_code(f"http://127.0.0.1:8000/v/{voucher.code}") == voucher
    assert voucher_find_by_code("") is None


def test_vouchers_usable_for_customer_here_and_now(store_a, store_b, customer):
    here = voucher_issue(customer=customer, discount_type="fixed", discount_value=1, stores=[store_a])
    anywhere = voucher_issue(customer=customer, discount_type="fixed", discount_value=1)
    voucher_issue(customer=customer, discount_type="fixed", discount_value=1, stores=[store_b])
    voucher_issue(
        customer=customer, discount_type="fixed", discount_value=1, valid_from=timezone.now() + dt.timedelta(days=2)
    )
    usable = vouchers_usable_for_customer(customer, store=store_a)
    assert {v.pk for v in usable} == {here.pk, anywhere.pk}
    assert len(vouchers_usable_for_customer(customer)) == 3


def test_bulk_issue_to_a_list_messages_only_those_who_consented(api_as, marketer, django_capture_on_commit_callbacks):
    from customers.services import consent_record

    yes = make_customer("Phạm Thu Yến", "0901111222")
    no = make_customer("Đỗ Minh Khang", "0902222333")
    consent_record(customer=yes, channel="sms", purpose="marketing", granted=True, source="counter", evidence="form-42")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(marketer).post(
            "/api/v1/voucher-batches/",
            {
                "customers": [yes.pk, no.pk, 999_999],
                "discount_type": "fixed",
                "discount_value": 30_000,
                "valid_days": 14,
                "message_channel": "sms",
                "message_body": "Tặng {name} mã {code}: {link}",
            },
            format="json",
        )
    assert response.status_code == 202, response.content
    batch = VoucherBatch.objects.get()
    assert response.json()["status_url"] == response["Location"] == f"/api/v1/voucher-batches/{batch.pk}/"
    assert (batch.status, batch.total, batch.issued, batch.messaged, batch.skipped) == ("done", 3, 2, 1, 1)
    assert Voucher.objects.filter(batch=batch, customer=yes).exists()
    from customers.models import Message

    message = Message.objects.get(customer=yes)
    assert Voucher.objects.get(batch=batch, customer=yes).code in message.body
    assert not Message.objects.filter(customer=no).exists()
    progress = api_as(marketer).get(f"/api/v1/voucher-batches/{batch.pk}/").json()
    assert progress["issued"] == 2


def test_a_batch_run_twice_gives_no_one_a_second_voucher(marketer, customer):
    from promotions.services import voucher_batch_create, voucher_batch_run

    batch = voucher_batch_create(
        template={"discount_type": "fixed", "discount_value": 10_000}, created_by=marketer, customer_ids=[customer.pk]
    )
    voucher_batch_run(batch_id=batch.pk)
    VoucherBatch.objects.filter(pk=batch.pk).update(status="running")
    voucher_batch_run(batch_id=batch.pk)
    assert Voucher.objects.filter(batch=batch).count() == 1


def test_merging_customers_moves_their_vouchers(customer):
    from customers.registry import customer_fks

    assert ("promotions.Voucher", "customer") in customer_fks()
    assert ("promotions.Redemption", "customer") in customer_fks()


def test_gift_voucher_adds_the_gift_without_lowering_the_total(api_as, cashier_a):
    gift = make_sku("SAC-DU-PHONG", price=350_000, name="Sạc dự phòng")
    voucher = make_voucher(discount_type="gift", discount_value=0, gift_sku=gift)
    response = api_as(cashier_a).post(
        "/api/v1/vouchers/validate/", {"code": voucher.code, "basket": {"total": 2_000_000}}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["total"] == 2_000_000
    assert response.json()["basket"]["vouchers"][0]["gift_sku"] == "SAC-DU-PHONG"


def test_marketing_role_manages_but_does_not_redeem(make_user, api_as):
    user = make_user(Role.MARKETING)
    assert api_as(user).get("/api/v1/campaigns/").status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "fixed_bill", "amount": 10_000, "percent": 0},
        {"kind": "percent_bill", "percent": 101},
        {"kind": "threshold", "threshold": 0, "amount": 1},
        {"kind": "percent_bill", "percent": 10, "valid_to": "2026-11-30T00:00:00Z"},
        {"kind": "percent_bill", "percent": 10, "stores": ["nowhere"]},
        {"kind": "percent_bill", "percent": 10, "weekdays": [7]},
    ],
)
def test_bad_promotion_input_is_a_field_error_not_a_500(api_as, marketer, payload):
    body = {"name": "x", "valid_from": "2026-12-01T00:00:00Z", "valid_to": "2027-01-01T00:00:00Z", **payload}
    response = api_as(marketer).post("/api/v1/promotions/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]


def test_huge_amounts_are_refused_politely(api_as, marketer, cashier_a):
    response = api_as(marketer).post(
        "/api/v1/vouchers/", {"discount_type": "fixed", "discount_value": 10**12}, format="json"
    )
    assert response.status_code == 400
    quote = api_as(cashier_a).post("/api/v1/promotions/quote/", {"total": 10**15}, format="json")
    assert quote.status_code == 400 and "basket.total" in quote.json()["error"]["fields"]


def test_export_and_erase_cover_vouchers(customer, store_a, cashier_a):
    from customers.services import customer_erase, customer_export

    voucher = voucher_issue(customer=customer, discount_type="fixed", discount_value=10_000)
    data = customer_export(customer=customer)
    assert data["promotions"]["vouchers"][0]["code"] == voucher.code
    customer_erase(customer=customer, reason="yêu cầu")
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.DISABLED


def test_budget_plan_api_with_the_default_split_and_its_report(api_as, marketer):
    client = api_as(marketer)
    created = client.post(
        "/api/v1/budget-plans/",
        {"name": "Quý 1", "starts_on": "2027-01-01", "ends_on": "2027-03-31", "total_budget": 300_000_000},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["awareness_percent"] == 40 and created.json()["expansion_percent"] == 5
    report = client.get(f"/api/v1/budget-plans/{created.json()['id']}/report/").json()
    assert [row["planned"] for row in report["stages"]] == [120_000_000, 90_000_000, 45_000_000, 30_000_000, 15_000_000]
    bad = client.post(
        "/api/v1/budget-plans/",
        {"name": "x", "starts_on": "2027-01-01", "ends_on": "2027-03-31", "total_budget": 1, "awareness_percent": 90},
        format="json",
    )
    assert bad.status_code == 400 and "shares" in bad.json()["error"]["fields"]
