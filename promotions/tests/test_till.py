"""The till's defects from issues 10 and 12: the void that left the sale discounted, the bundle
that gave a phone away, the scanned code asked before the total, the used code's where and
when, the lockout countdown, the customer's voucher page, and the basket the client sends."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from o2o_site.roles import Role
from promotions import services
from promotions.models import Promotion, Redemption

from .factories import make_customer, make_promotion, make_sku, make_voucher

pytestmark = pytest.mark.django_db

CHECK = reverse("promotions:cashier-check")
CONFIRM = reverse("promotions:cashier-confirm")
REDEEM = "/api/v1/vouchers/redeem/"
VALIDATE = "/api/v1/vouchers/validate/"
QUOTE = "/api/v1/promotions/quote/"


def _sell_with_code(client, code: str, total: str = "1.250.000"):
    response = client.post(CONFIRM, {"code": code, "total": total, "idempotency_key": "k1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-testid="receipt"' in response.content.decode(), response.content.decode()
    return Redemption.objects.select_related("order").get(voucher__code=code)


# --- 2. a void leaves the order, the redemption and the receipt agreeing ----------------------


def test_voiding_a_code_at_the_counter_gives_the_sale_its_price_back(client, cashier_a):
    # given: a 100.000 ₫ code used on a 1.250.000 ₫ sale typed from the POS
    voucher = make_voucher(customer=make_customer(), discount_value=100_000)
    client.force_login(cashier_a)
    redemption = _sell_with_code(client, voucher.code)
    order = redemption.order
    assert (order.subtotal, order.discount_total, order.total) == (1_250_000, 100_000, 1_150_000)
    assert redemption.order_ref == order.number
    # when: the cashier voids it
    response = client.post(reverse("promotions:cashier-void", args=[redemption.pk]), HTTP_HX_REQUEST="true")
    # then: the sale is at full price again, the code usable, and the screen says so
    page = response.content.decode()
    order.refresh_from_db()
    redemption.refresh_from_db()
    voucher.refresh_from_db()
    assert (order.subtotal, order.discount_total, order.total) == (1_250_000, 0, 1_250_000)
    assert redemption.status == Redemption.Status.VOIDED and voucher.used_count == 0
    assert order.number in page and "1.250.000 ₫" in page
    assert "khách trả thêm 100.000 ₫" in page


def test_a_void_after_the_window_is_refused_and_the_sale_stays_as_charged(client, cashier_a, settings):
    settings.PROMOTIONS_VOID_WINDOW_MINUTES = 15
    voucher = make_voucher(customer=make_customer(), discount_value=100_000)
    client.force_login(cashier_a)
    redemption = _sell_with_code(client, voucher.code)
    with freeze_time(timezone.now() + dt.timedelta(minutes=16)):
        response = client.post(reverse("promotions:cashier-void", args=[redemption.pk]), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "không thể hủy" in page and "hóa đơn giữ nguyên giá đã thu" in page
    redemption.order.refresh_from_db()
    assert redemption.order.total == 1_150_000 and redemption.order.discount_total == 100_000
    assert Redemption.objects.get(pk=redemption.pk).status == Redemption.Status.ACTIVE


def test_a_total_only_sale_records_its_price_before_the_discount(client, cashier_a):
    voucher = make_voucher(customer=make_customer(), discount_value=100_000)
    client.force_login(cashier_a)
    order = _sell_with_code(client, voucher.code).order
    assert order.subtotal - order.discount_total == order.total


# --- 3. "buy N get M" is limited to what it names -------------------------------------------


def test_a_bundle_naming_nothing_is_refused_at_save(api_as, marketer):
    from o2o_site.api import DomainError

    with pytest.raises(DomainError) as refused:
        make_promotion(name="Mua 2 tặng 1", kind="bundle", buy_quantity=2, free_quantity=1, percent=None)
    assert "sản phẩm hoặc danh mục" in refused.value.fields["skus"][0]
    now = timezone.now()
    response = api_as(marketer).post(
        "/api/v1/promotions/",
        {
            "name": "Mua 2 tặng 1",
            "kind": "bundle",
            "buy_quantity": 2,
            "free_quantity": 1,
            "valid_from": now.isoformat(),
            "valid_to": (now + dt.timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and "skus" in response.json()["error"]["fields"]
    assert not Promotion.objects.exists()


def test_the_admin_refuses_a_bundle_without_scope(client, manager):
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    client.force_login(manager)
    now = timezone.localtime()
    response = client.post(
        reverse("admin:promotions_promotion_add"),
        {
            "name": "Mua 2 tặng 1",
            "kind": "bundle",
            "is_active": "on",
            "buy_quantity": "2",
            "free_quantity": "1",
            "categories": "",
            "segment_codes": "[]",
            "weekdays": "[]",
            "priority": "100",
            "combination": "combinable",
            "valid_from_0": now.strftime("%Y-%m-%d"),
            "valid_from_1": "00:00:00",
            "valid_to_0": (now + dt.timedelta(days=3)).strftime("%Y-%m-%d"),
            "valid_to_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert "sản phẩm hoặc danh mục" in response.content.decode()
    assert not Promotion.objects.exists()


def test_the_admin_saves_a_bundle_on_a_category_typed_with_commas(client, manager):
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    client.force_login(manager)
    now = timezone.localtime()
    response = client.post(
        reverse("admin:promotions_promotion_add"),
        {
            "name": "Mua 2 tặng 1 phụ kiện",
            "kind": "bundle",
            "is_active": "on",
            "buy_quantity": "2",
            "free_quantity": "1",
            "categories": "Phụ kiện, Gia dụng",
            "segment_codes": "[]",
            "weekdays": "[]",
            "priority": "100",
            "combination": "combinable",
            "valid_from_0": now.strftime("%Y-%m-%d"),
            "valid_from_1": "00:00:00",
            "valid_to_0": (now + dt.timedelta(days=3)).strftime("%Y-%m-%d"),
            "valid_to_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Promotion.objects.get().categories == ["Phụ kiện", "Gia dụng"]


def test_the_counter_page_costs_the_same_queries_with_more_codes_used_today(client, api_as, cashier_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cashier_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("promotions:cashier")).status_code == 200
        return len(queries)

    voucher = make_voucher(customer=make_customer())
    api_as(cashier_a).post(REDEEM, {"code": voucher.code, "basket": {"total": 300_000}}, format="json")
    one = count()
    for _ in range(4):
        voucher = make_voucher(customer=make_customer())
        api_as(cashier_a).post(REDEEM, {"code": voucher.code, "basket": {"total": 300_000}}, format="json")
    assert count() == one


def test_a_bundle_on_accessories_gives_no_phone_away(store_a):
    # given: the demo's bundle, scoped to the accessories category
    make_promotion(
        name="Mua 2 tặng 1 phụ kiện",
        kind="bundle",
        buy_quantity=2,
        free_quantity=1,
        percent=None,
        categories=["Phụ kiện"],
    )
    phone = make_sku(price=24_000_000, category="Điện thoại")
    case, cable = make_sku(price=150_000, category="Phụ kiện"), make_sku(price=90_000, category="Phụ kiện")
    basket = services.basket_from_payload({"lines": [{"sku": phone.code, "quantity": 3}]})
    # then: three phones get nothing; two cases and a cable get the cable free
    assert services.basket_price(basket, store=store_a).discount == 0
    mixed = services.basket_from_payload(
        {"lines": [{"sku": phone.code, "quantity": 1}, {"sku": case.code, "quantity": 2}, {"sku": cable.code}]}
    )
    priced = services.basket_price(mixed, store=store_a)
    assert priced.discount == 90_000
    assert priced.line_discounts == [0, 0, 90_000]


def test_the_demo_bundle_names_the_accessories(db):
    from promotions import demo

    make_sku(price=24_000_000, category="Điện thoại")
    demo.seed(lambda *a, **k: None)
    bundle = Promotion.objects.get(name="Mua 2 tặng 1 phụ kiện")
    assert bundle.categories == ["Phụ kiện"]
    assert not bundle.skus.exists()


# --- 4. the cashier's flow -------------------------------------------------------------------


def test_a_scanned_code_is_checked_first_and_the_total_asked_next(client, cashier_a):
    voucher = make_voucher(discount_value=100_000, min_basket=500_000)
    client.force_login(cashier_a)
    response = client.post(CHECK, {"code": voucher.code.lower()}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert 'data-testid="code-accepted"' in page and 'data-focus="#id_total"' in page
    assert "Giảm 100.000 ₫" in page and "cho đơn từ 500.000 ₫" in page
    assert 'data-testid="confirm"' not in page  # nothing to charge yet
    assert not Redemption.objects.exists()


def test_a_used_code_says_when_at_which_store_and_on_which_receipt(client, cashier_a, cashier_b):
    voucher = make_voucher(customer=make_customer(), discount_value=100_000)
    client.force_login(cashier_a)
    redemption = _sell_with_code(client, voucher.code)
    when = timezone.localtime(redemption.redeemed_at).strftime("%d/%m/%Y %H:%M")
    client.force_login(cashier_b)
    for data in ({"code": voucher.code}, {"code": voucher.code, "total": "900.000"}):
        page = client.post(CHECK, data, HTTP_HX_REQUEST="true").content.decode()
        assert 'data-testid="refusal"' in page
        assert when in page and "Cửa hàng Quận 1" in page and redemption.order.number in page


def test_the_api_tells_a_used_code_where_and_when(api_as, cashier_a, cashier_b):
    voucher = make_voucher(customer=make_customer())
    assert (
        api_as(cashier_a).post(REDEEM, {"code": voucher.code, "basket": {"total": 300_000}}, format="json").status_code
        == 201
    )
    refused = api_as(cashier_b).post(REDEEM, {"code": voucher.code, "basket": {"total": 300_000}}, format="json")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "already_used"
    assert error["used"]["store"] == "q1" and "Cửa hàng Quận 1" in error["message"]


# At the very start of a counting window (frozen): the wait is the whole minute. retry_after is
# the seconds left in the window, so a test at a random instant would see fewer.
@freeze_time("2026-12-01 03:00:00")
def test_the_lockout_shows_how_long_to_wait(client, cashier_a, settings):
    settings.PROMOTIONS_LOOKUP_FAILURES_PER_MINUTE = 2
    client.force_login(cashier_a)
    for n in range(2):
        client.post(CHECK, {"code": f"NOPE{n:06d}"}, HTTP_HX_REQUEST="true")
    page = client.post(CHECK, {"code": "NOPE999999"}, HTTP_HX_REQUEST="true").content.decode()
    # the limiter's own retry_after (the seconds left in its window), counted down on the screen
    wait = re.search(r'data-countdown="(\d+)"', page)
    assert 'data-testid="countdown"' in page and wait and 1 <= int(wait[1]) <= 60
    assert f"Thử lại sau {wait[1]} giây" in page


def test_the_receipt_has_a_print_button_and_the_used_today_table_lists_the_receipt(client, cashier_a):
    voucher = make_voucher(customer=make_customer())
    client.force_login(cashier_a)
    response = client.post(
        CONFIRM, {"code": voucher.code, "total": "300000", "idempotency_key": "p"}, HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="print"' in response.content.decode()
    order = Redemption.objects.get().order
    page = client.get(reverse("promotions:cashier")).content.decode()
    assert 'data-testid="used-today"' in page and order.number in page


def test_the_counter_templates_hold_no_inline_script():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "templates" / "promotions"
    for template in folder.glob("*.html"):
        text = template.read_text()
        assert " onchange=" not in text and " onclick=" not in text and "<script>" not in text, template.name


# --- 5. the customer's voucher page ---------------------------------------------------------


@pytest.mark.parametrize(
    "terms, state, sentence",
    [
        (
            {"valid_from": timezone.now() - dt.timedelta(days=9), "valid_to": timezone.now() - dt.timedelta(days=1)},
            "expired",
            "đã hết hạn lúc",
        ),
        (
            {"valid_from": timezone.now() + dt.timedelta(days=2), "valid_to": timezone.now() + dt.timedelta(days=9)},
            "not_yet_valid",
            "dùng được từ",
        ),
    ],
)
def test_the_voucher_page_says_expired_or_not_yet_valid(client, terms, state, sentence):
    voucher = make_voucher(**terms)
    page = client.get(reverse("promotions:voucher-public", args=[voucher.code])).content.decode()
    assert f'data-state="{state}"' in page and sentence in page
    assert "<svg" not in page  # no QR to scan for a code that cannot be used
    day = timezone.localtime(terms["valid_to"]).strftime("%d/%m/%Y %H:%M")
    assert day in page


def test_the_voucher_page_says_used_where_and_when(client, api_as, cashier_a):
    voucher = make_voucher(customer=make_customer())
    api_as(cashier_a).post(REDEEM, {"code": voucher.code, "basket": {"total": 300_000}}, format="json")
    page = client.get(reverse("promotions:voucher-public", args=[voucher.code])).content.decode()
    assert 'data-state="used"' in page and "Cửa hàng Quận 1" in page and "<svg" not in page


def test_the_voucher_page_says_a_voided_voucher_is_voided(client):
    voucher = make_voucher()
    services.voucher_update(voucher=voucher, status="disabled")
    page = client.get(reverse("promotions:voucher-public", args=[voucher.code]))
    assert page.status_code == 200
    assert 'data-state="voided"' in page.content.decode() and "đã bị hủy" in page.content.decode()


@pytest.mark.parametrize("code", ["AB%00CD", "%00", "%F0%9F%92%A3", "x" * 300, "%E4%B8%AD%E6%96%87"])
def test_garbage_in_the_voucher_link_is_a_404_not_a_500(client, code):
    # a NUL anywhere in a request is refused before any view (400, o2o_site's malformed-input guard)
    expected = 400 if "%00" in code else 404
    assert client.get(f"/v/{code}/").status_code == expected
    assert client.get(f"/v/{code}/qr.svg").status_code == expected


def test_nul_bytes_in_quote_skus_and_codes_are_4xx(api_as, cashier_a):
    client = api_as(cashier_a)
    for body in (
        {"basket": {"lines": [{"sku": "A\x00B"}]}},
        {"basket": {"lines": [{"sku": "A", "price_reason": "x\x00"}]}},
        {"basket": {"lines": [{"sku": {"nested": ["x"]}}]}},
        {"basket": {"total": 100_000}, "codes": ["AB\x00CD"]},
    ):
        response = client.post(QUOTE, body, format="json")
        assert 400 <= response.status_code < 500 or response.status_code == 200, response.content
        assert response.status_code != 500
    response = client.post(REDEEM, {"code": "\x00\x00", "basket": {"total": 100_000}}, format="json")
    assert 400 <= response.status_code < 500


def test_nul_bytes_or_nesting_in_product_options_are_a_400(api_as, manager):
    for options in ({"màu": "đen\x00"}, {"a\x00": "b"}, {"màu": {"lồng": ["x"]}}):
        body = {"name": "Ốp lưng", "skus": [{"code": "OP-1", "price": 90_000, "options": options}]}
        response = api_as(manager).post("/api/v1/products/", body, format="json")
        assert response.status_code == 400, response.content
        assert "error" in response.json()


# --- 7. the basket the client sends ---------------------------------------------------------


def test_a_line_naming_our_sku_is_priced_from_our_price(api_as, cashier_a):
    sku = make_sku(price=600_000)
    voucher = make_voucher(customer=make_customer(), discount_value=100_000, min_basket=1_000_000)
    response = api_as(cashier_a).post(
        REDEEM, {"code": voucher.code, "basket": {"lines": [{"sku": sku.code, "quantity": 1}]}}, format="json"
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "min_spend_not_met"


def test_a_cashier_cannot_send_an_item_at_another_price(api_as, cashier_a):
    # the review's case: a 1.000.000 ₫ minimum met with an item sent at twice its price
    sku = make_sku(price=600_000)
    voucher = make_voucher(customer=make_customer(), discount_value=100_000, min_basket=1_000_000)
    basket = {"lines": [{"sku": sku.code, "quantity": 1, "unit_price": 1_200_000}]}
    for url in (REDEEM, VALIDATE, QUOTE):
        body = {"code": voucher.code, "basket": basket} if url != QUOTE else {"basket": basket}
        response = api_as(cashier_a).post(url, body, format="json")
        assert response.status_code == 400, (url, response.content)
        assert "basket.lines.0.unit_price" in response.json()["error"]["fields"]
    assert not Redemption.objects.exists()


def test_the_same_line_at_our_price_is_fine(api_as, cashier_a):
    sku = make_sku(price=600_000)
    voucher = make_voucher(customer=make_customer(), discount_value=100_000)
    basket = {"lines": [{"sku": sku.code, "quantity": 2, "unit_price": 600_000}]}
    response = api_as(cashier_a).post(REDEEM, {"code": voucher.code, "basket": basket}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["basket_source"] == "skus"


def test_a_price_override_needs_the_right_and_a_reason(api_as, make_user, store_a):
    from django.contrib.auth.models import Permission

    lead = make_user(Role.CASHIER, stores=[store_a])
    lead.user_permissions.add(Permission.objects.get(codename="override_basket_price"))
    sku = make_sku(price=600_000)
    voucher = make_voucher(customer=make_customer(), discount_value=100_000)
    line = {"sku": sku.code, "quantity": 1, "unit_price": 500_000}
    client = api_as(lead)
    no_reason = client.post(REDEEM, {"code": voucher.code, "basket": {"lines": [line]}}, format="json")
    assert no_reason.status_code == 400
    assert "basket.lines.0.price_reason" in no_reason.json()["error"]["fields"]
    line["price_reason"] = "Hàng trưng bày, trầy nhẹ"
    given = client.post(REDEEM, {"code": voucher.code, "basket": {"lines": [line]}}, format="json")
    assert given.status_code == 201, given.content
    redemption = Redemption.objects.get()
    assert redemption.basket_total == 500_000
    assert redemption.basket["lines"][0] == {
        "sku": sku.code,
        "quantity": 1,
        "unit_price": 500_000,
        "list_price": 600_000,
        "price_reason": "Hàng trưng bày, trầy nhẹ",
    }


@pytest.mark.parametrize("basket", [{"total": 0}, {"total": -1}, {"total": "0"}])
def test_a_zero_or_negative_basket_uses_no_voucher(api_as, cashier_a, basket):
    voucher = make_voucher(customer=make_customer())
    for url in (VALIDATE, REDEEM):
        response = api_as(cashier_a).post(url, {"code": voucher.code, "basket": basket}, format="json")
        assert response.status_code == 400, response.content
    voucher.refresh_from_db()
    assert voucher.used_count == 0 and not Redemption.objects.exists()


def test_a_zero_priced_line_basket_uses_no_voucher(api_as, make_user, store_a):
    manager_at_till = make_user(Role.CASHIER, Role.MANAGER, stores=[store_a])
    sku = make_sku(price=600_000)
    voucher = make_voucher(customer=make_customer())
    line = {"sku": sku.code, "quantity": 1, "unit_price": 0, "price_reason": "Tặng"}
    body = {"code": voucher.code, "store": "q1", "basket": {"lines": [line]}}
    response = api_as(manager_at_till).post(REDEEM, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {"basket": ["Tổng tiền phải lớn hơn 0 ₫."]}
    assert not Redemption.objects.exists()


def test_a_pos_total_stays_allowed_and_is_recorded_as_such(api_as, cashier_a):
    voucher = make_voucher(customer=make_customer(), discount_value=100_000)
    response = api_as(cashier_a).post(
        REDEEM, {"code": voucher.code, "basket": {"total": 1_250_000}, "order_ref": "POS-778"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["basket_source"] == "pos_total" and body["order_ref"] == "POS-778" and body["order"] is None


def test_a_redemption_at_the_counter_is_tied_to_the_sale_it_discounted(client, api_as, cashier_a, store_a):
    from channels.services import stock_receive

    sku = make_sku(price=400_000)
    stock_receive(sku=sku, location=store_a, quantity=5)
    voucher = make_voucher(customer=make_customer(), discount_value=50_000)
    client.force_login(cashier_a)
    response = client.post(
        CONFIRM, {"code": voucher.code, "lines": f"{sku.code} 2", "idempotency_key": "t"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    redemption = Redemption.objects.select_related("order").get()
    assert redemption.basket_source == "skus"
    assert redemption.order.total == 750_000 and redemption.order.discount_total == 50_000
    listed = api_as(cashier_a).get(f"/api/v1/redemptions/{redemption.pk}/").json()
    assert listed["order"] == redemption.order.number and listed["basket_source"] == "skus"
