"""Validate / redeem / void through the API: the shapes other systems rely on, and the refusals."""

import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from o2o_site.roles import Role
from promotions.models import AuditEntry, Redemption, Voucher

from .factories import make_customer, make_sku, make_voucher

pytestmark = pytest.mark.django_db

REDEEM = "/api/v1/vouchers/redeem/"
VALIDATE = "/api/v1/vouchers/validate/"


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) >= {"code", "message", "fields"}
    return body["error"]["code"]


def test_a_cashier_redeems_once_and_the_second_use_is_refused(api_as, cashier_a, store_a, customer):
    # given
    voucher = make_voucher(customer=customer, discount_value=100_000)
    client = api_as(cashier_a)
    payload = {"code": voucher.code.lower(), "basket": {"total": 1_250_000}}
    # when
    first = client.post(REDEEM, payload, format="json")
    second = client.post(REDEEM, payload, format="json")
    # then
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["discount"] == 100_000 and body["total"] == 1_150_000 and body["store"] == "q1"
    assert body["id"] == Redemption.objects.get().pk
    assert second.status_code == 409
    assert _error(second) == "already_used"


def test_the_redemption_lands_on_the_customer_timeline_attributed_to_the_campaign(api_as, cashier_a, customer):
    from customers.models import Activity
    from promotions.services import campaign_create

    campaign = campaign_create(
        name="Zalo tháng 12",
        utm_campaign="zalo-thang-12",
        utm_source="zalo",
        utm_medium="oa",
        journey_stage="conversion",
        starts_on=dt.date(2026, 12, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    voucher = make_voucher(customer=customer, campaign=campaign)
    response = api_as(cashier_a).post(REDEEM, {"code": voucher.code, "basket": {"total": 300_000}}, format="json")
    assert response.status_code == 201
    activity = Activity.objects.get(customer=customer, kind="redemption")
    assert activity.campaign_id == campaign.pk
    assert activity.store_code == "q1"
    assert activity.amount == 50_000


def test_validate_answers_the_discount_and_new_total_without_using_the_code(api_as, cashier_a):
    voucher = make_voucher(discount_type="percent", discount_value=10)
    response = api_as(cashier_a).post(VALIDATE, {"code": voucher.code, "basket": {"total": 1_000_000}}, format="json")
    assert response.status_code == 200
    assert response.json()["discount"] == 100_000
    assert response.json()["total"] == 900_000
    voucher.refresh_from_db()
    assert voucher.used_count == 0


def test_online_redemption_of_a_store_only_voucher_is_refused(api_as, cashier_a, website):
    voucher = make_voucher(store_only=True)
    response = api_as(cashier_a).post(
        REDEEM, {"code": voucher.code, "channel": "website", "basket": {"total": 500_000}}, format="json"
    )
    assert response.status_code == 422
    assert _error(response) == "online_not_allowed"


def test_a_voucher_for_named_stores_is_refused_in_another_store(api_as, make_user, store_a, store_b):
    voucher = make_voucher(stores=[store_a])
    cashier = make_user(Role.CASHIER, stores=[store_b])
    response = api_as(cashier).post(REDEEM, {"code": voucher.code, "basket": {"total": 500_000}}, format="json")
    assert response.status_code == 422
    assert _error(response) == "wrong_store"
    assert "cửa hàng này" in response.json()["error"]["message"]


def test_a_cashier_cannot_act_for_a_store_they_are_not_bound_to(api_as, cashier_a, store_b):
    voucher = make_voucher()
    response = api_as(cashier_a).post(
        REDEEM, {"code": voucher.code, "store": "q3", "basket": {"total": 500_000}}, format="json"
    )
    assert response.status_code == 403
    assert _error(response) == "store_not_allowed"


def test_a_cashier_of_several_stores_must_name_one(api_as, make_user, store_a, store_b):
    voucher = make_voucher()
    cashier = make_user(Role.CASHIER, stores=[store_a, store_b])
    response = api_as(cashier).post(REDEEM, {"code": voucher.code, "basket": {"total": 500_000}}, format="json")
    assert response.status_code == 422
    assert _error(response) == "store_required"


@pytest.mark.parametrize(
    ("terms", "basket_total", "code"),
    [
        (
            {"valid_from": timezone.now() - dt.timedelta(days=3), "valid_to": timezone.now() - dt.timedelta(days=1)},
            500_000,
            "expired",
        ),
        (
            {"valid_from": timezone.now() + dt.timedelta(days=1), "valid_to": timezone.now() + dt.timedelta(days=3)},
            500_000,
            "not_yet_valid",
        ),
        ({"min_basket": 1_000_000}, 999_999, "min_spend_not_met"),
    ],
)
def test_refusals_say_why_in_a_stable_code(api_as, cashier_a, terms, basket_total, code):
    voucher = make_voucher(**terms)
    response = api_as(cashier_a).post(
        VALIDATE, {"code": voucher.code, "basket": {"total": basket_total}}, format="json"
    )
    assert response.status_code == 422
    assert _error(response) == code


def test_a_personal_voucher_is_refused_for_another_customer(api_as, cashier_a, customer):
    voucher = make_voucher(customer=customer)
    other = make_customer("Trần Thị Bình", "0987654321")
    response = api_as(cashier_a).post(
        REDEEM, {"code": voucher.code, "customer": other.pk, "basket": {"total": 500_000}}, format="json"
    )
    assert _error(response) == "not_this_customer"


def test_a_shared_code_stops_at_its_per_customer_limit(api_as, cashier_a, customer):
    voucher = make_voucher(usage_limit=100, per_customer_limit=1)
    client = api_as(cashier_a)
    payload = {"code": voucher.code, "customer": customer.pk, "basket": {"total": 500_000}}
    assert client.post(REDEEM, payload, format="json").status_code == 201
    again = client.post(REDEEM, payload, format="json")
    assert again.status_code == 409
    assert _error(again) == "limit_reached"


def test_unknown_code_is_not_found_and_bad_basket_is_a_field_error(api_as, cashier_a):
    client = api_as(cashier_a)
    assert _error(client.post(VALIDATE, {"code": "ZZZZZZZZZZ", "basket": {"total": 1}}, format="json")) == "not_found"
    bad = client.post(
        VALIDATE, {"code": "ZZZZZZZZZZ", "basket": {"lines": [{"sku": "?", "quantity": 0}]}}, format="json"
    )
    assert bad.status_code == 400
    assert "basket.lines.0.sku" in bad.json()["error"]["fields"]
    assert client.post(VALIDATE, {"basket": "x"}, format="json").status_code == 400


# --- idempotency ----------------------------------------------------------------------------


def test_the_same_idempotency_key_returns_the_first_result(api_as, cashier_a):
    voucher = make_voucher(usage_limit=10)
    client = api_as(cashier_a)
    payload = {"code": voucher.code, "basket": {"total": 500_000}}
    first = client.post(REDEEM, payload, format="json", HTTP_IDEMPOTENCY_KEY="pos-1-abc")
    again = client.post(REDEEM, payload, format="json", HTTP_IDEMPOTENCY_KEY="pos-1-abc")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Redemption.objects.count() == 1
    voucher.refresh_from_db()
    assert voucher.used_count == 1


def test_the_same_idempotency_key_with_another_body_is_an_error(api_as, cashier_a):
    voucher = make_voucher(usage_limit=10)
    client = api_as(cashier_a)
    client.post(REDEEM, {"code": voucher.code, "basket": {"total": 500_000}}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    other = client.post(
        REDEEM, {"code": voucher.code, "basket": {"total": 600_000}}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert other.status_code == 409
    assert _error(other) == "idempotency_key_reused"


def test_a_replayed_single_use_redeem_is_not_an_error(api_as, cashier_a, customer):
    voucher = make_voucher(customer=customer)
    client = api_as(cashier_a)
    payload = {"code": voucher.code, "basket": {"total": 500_000}}
    first = client.post(REDEEM, payload, format="json", HTTP_IDEMPOTENCY_KEY="drop-1")
    again = client.post(REDEEM, payload, format="json", HTTP_IDEMPOTENCY_KEY="drop-1")
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]


# --- void -----------------------------------------------------------------------------------


def test_void_within_the_window_restores_the_use_and_is_audited(api_as, cashier_a, customer):
    voucher = make_voucher(customer=customer)
    client = api_as(cashier_a)
    redemption_id = client.post(REDEEM, {"code": voucher.code, "basket": {"total": 500_000}}, format="json").json()[
        "id"
    ]
    response = client.post(f"/api/v1/vouchers/{redemption_id}/void/", {"reason": "Khách đổi ý"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "voided"
    voucher.refresh_from_db()
    assert voucher.used_count == 0
    assert AuditEntry.objects.filter(action="void", redemption_id=redemption_id).exists()
    # the use is back: the code works again
    assert client.post(REDEEM, {"code": voucher.code, "basket": {"total": 500_000}}, format="json").status_code == 201


def test_void_after_the_window_is_refused_and_audited(api_as, cashier_a, customer, settings):
    settings.PROMOTIONS_VOID_WINDOW_MINUTES = 15
    voucher = make_voucher(customer=customer)
    client = api_as(cashier_a)
    with freeze_time(timezone.now()) as frozen:
        redemption_id = client.post(REDEEM, {"code": voucher.code, "basket": {"total": 500_000}}, format="json").json()[
            "id"
        ]
        frozen.tick(dt.timedelta(minutes=15, seconds=1))
        late = client.post(f"/api/v1/vouchers/{redemption_id}/void/", {}, format="json")
    assert late.status_code == 409
    assert _error(late) == "void_window_passed"
    assert AuditEntry.objects.filter(action="void_refused", redemption_id=redemption_id).exists()
    assert Voucher.objects.get(pk=voucher.pk).used_count == 1


def test_only_the_same_store_may_void(api_as, cashier_a, cashier_b, customer):
    voucher = make_voucher(customer=customer)
    redemption_id = (
        api_as(cashier_a).post(REDEEM, {"code": voucher.code, "basket": {"total": 1}}, format="json").json()["id"]
    )
    response = api_as(cashier_b).post(f"/api/v1/vouchers/{redemption_id}/void/", {}, format="json")
    assert response.status_code == 403
    assert _error(response) == "wrong_store"


def test_voiding_twice_is_refused(api_as, cashier_a, customer):
    voucher = make_voucher(customer=customer)
    client = api_as(cashier_a)
    rid = client.post(REDEEM, {"code": voucher.code, "basket": {"total": 1}}, format="json").json()["id"]
    assert client.post(f"/api/v1/vouchers/{rid}/void/", {}, format="json").status_code == 200
    again = client.post(f"/api/v1/vouchers/{rid}/void/", {}, format="json")
    assert _error(again) == "already_voided"
    assert Voucher.objects.get(pk=voucher.pk).used_count == 0


# --- guessing -------------------------------------------------------------------------------


def test_brute_force_is_stopped_per_cashier_and_logged(api_as, cashier_a, settings):
    settings.PROMOTIONS_LOOKUP_FAILURES_PER_MINUTE = 10
    real = make_voucher()
    client = api_as(cashier_a)
    for i in range(10):
        response = client.post(VALIDATE, {"code": f"GUESS{i:05d}", "basket": {"total": 1}}, format="json")
        assert _error(response) == "not_found"
    blocked = client.post(VALIDATE, {"code": "GUESS99999", "basket": {"total": 1}}, format="json")
    assert blocked.status_code == 429
    assert _error(blocked) == "rate_limited"
    # even a real code is refused now: guessing cannot go on
    assert client.post(REDEEM, {"code": real.code, "basket": {"total": 1}}, format="json").status_code == 429
    assert AuditEntry.objects.filter(action="lookup_blocked", actor=cashier_a).count() == 2


@pytest.mark.parametrize("role", [Role.AGENT, Role.INVENTORY, Role.MARKETING, Role.MANAGER])
def test_roles_that_may_not_redeem_learn_nothing_about_codes(api_as, make_user, role):
    voucher = make_voucher()
    client = api_as(make_user(role))
    for url in (VALIDATE, REDEEM):
        real = client.post(url, {"code": voucher.code, "basket": {"total": 1}}, format="json")
        fake = client.post(url, {"code": "ZZZZZZZZZZ", "basket": {"total": 1}}, format="json")
        assert real.status_code == fake.status_code == 403
        assert real.json() == fake.json()


def test_anonymous_is_refused(api_client):
    assert api_client.post(REDEEM, {}, format="json").status_code in (401, 403)


# --- quote ----------------------------------------------------------------------------------


def test_quote_prices_lines_with_promotions_and_hints(api_as, cashier_a):
    from .factories import make_promotion

    sku = make_sku("PHONE-1", price=450_000)
    make_promotion(name="Ngưỡng 1 triệu", kind="threshold", threshold=1_000_000, amount=100_000, percent=None)
    response = api_as(cashier_a).post(
        "/api/v1/promotions/quote/", {"basket": {"lines": [{"sku": "PHONE-1", "quantity": 2}]}}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["subtotal"] == 900_000 and body["total"] == 900_000
    assert body["lines"][0] == {
        "sku": "PHONE-1",
        "name": sku.product.name,
        "quantity": 2,
        "unit_price": 450_000,
        "subtotal": 900_000,
        "discount": 0,
        "total": 900_000,
    }
    assert body["hints"] and "100.000 ₫" in body["hints"][0]


def test_quote_online_for_the_website(api_as, marketer, website):
    from .factories import make_promotion

    make_promotion(name="Online 5%", kind="percent_bill", percent=5, online_only=True)
    make_promotion(name="Chỉ cửa hàng", kind="fixed_bill", amount=10_000, percent=None, store_only=True)
    response = api_as(marketer).post(
        "/api/v1/promotions/quote/", {"channel": "website", "total": 200_000}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [p["name"] for p in response.json()["promotions"]] == ["Online 5%"]
    assert response.json()["total"] == 190_000


@pytest.mark.redis
def test_the_guessing_limit_is_shared_through_redis(api_as, cashier_a, settings):
    # given: the cache every server process shares (a key prefix of its own, never a flush)
    import uuid

    from django.core.cache import caches

    from o2o_site.testing import redis_url

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url(),
            "KEY_PREFIX": f"test-promotions-{uuid.uuid4().hex}",
        }
    }
    settings.PROMOTIONS_LOOKUP_FAILURES_PER_MINUTE = 3
    assert caches["default"].__class__.__name__ == "RedisCache"  # Django's test signals swapped it
    client = api_as(cashier_a)
    codes = [client.post(VALIDATE, {"code": f"NOPE{i:06d}", "basket": {"total": 1}}, format="json") for i in range(4)]
    assert [r.status_code for r in codes] == [422, 422, 422, 429]


def test_the_redeem_body_has_the_same_shape_as_the_redemption_list(api_as, cashier_a):
    from promotions.api.serializers import RedemptionOutput, redemption_body

    voucher = make_voucher(usage_limit=5)
    api_as(cashier_a).post(REDEEM, {"code": voucher.code, "basket": {"total": 1}}, format="json")
    redemption = Redemption.objects.select_related("voucher", "store", "cashier").get()
    assert redemption_body(redemption) == dict(RedemptionOutput(redemption).data)
