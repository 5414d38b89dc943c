"""The cashier's counter and the other screens, through Django's test client."""

import pytest
from django.urls import reverse

from o2o_site.roles import Role
from promotions.models import Redemption

from .factories import make_customer, make_promotion, make_sku, make_voucher

pytestmark = pytest.mark.django_db


def test_the_counter_opens_for_a_cashier_with_their_store(client, cashier_a):
    client.force_login(cashier_a)
    response = client.get(reverse("promotions:cashier"))
    assert response.status_code == 200
    assert "Cửa hàng Quận 1" in response.content.decode()


def test_a_cashier_without_a_store_is_told_so(client, make_user):
    client.force_login(make_user(Role.CASHIER))
    response = client.get(reverse("promotions:cashier"))
    assert response.status_code == 200
    assert "chưa được gán cửa hàng" in response.content.decode()


@pytest.mark.parametrize("role", [Role.AGENT, Role.MARKETING, Role.INVENTORY])
def test_other_roles_cannot_open_the_counter(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("promotions:cashier")).status_code == 403
    assert client.post(reverse("promotions:cashier-check"), {"code": "X"}).status_code == 403


def test_check_shows_the_price_and_a_refusal_in_plain_words(client, cashier_a):
    voucher = make_voucher(min_basket=1_000_000)
    client.force_login(cashier_a)
    response = client.post(
        reverse("promotions:cashier-check"), {"code": voucher.code, "total": "800.000"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Chưa đạt đơn tối thiểu 1.000.000 ₫" in html
    assert "800.000 ₫" in html


def test_check_then_confirm_redeems_and_records_the_store_sale(client, cashier_a, store_a):
    from channels.models import Order
    from channels.services import stock_receive

    sku = make_sku("TAI-NGHE", price=500_000)
    stock_receive(sku=sku, location=store_a, quantity=5)
    make_promotion(name="Giảm 10%", kind="percent_bill", percent=10)
    voucher = make_voucher(discount_value=50_000)
    client.force_login(cashier_a)
    checked = client.post(
        reverse("promotions:cashier-check"), {"code": voucher.code, "lines": "TAI-NGHE 2"}, HTTP_HX_REQUEST="true"
    )
    assert "850.000 ₫" in checked.content.decode()  # 1,000,000 - 100,000 - 50,000
    key = checked.context["confirm_key"]
    confirm = {"code": voucher.code, "lines": "TAI-NGHE 2\n", "idempotency_key": key}
    receipt = client.post(reverse("promotions:cashier-confirm"), confirm, HTTP_HX_REQUEST="true")
    assert receipt.status_code == 200
    assert "Hóa đơn" in receipt.content.decode()
    assert "850.000 ₫" in receipt.content.decode() and voucher.code in receipt.content.decode()
    again = client.post(reverse("promotions:cashier-confirm"), confirm, HTTP_HX_REQUEST="true")
    assert again.status_code == 200
    redemption = Redemption.objects.get()
    order = Order.objects.get(store=store_a)
    assert order.total == 850_000
    assert redemption.order_ref == order.number


def test_customer_phone_lists_the_vouchers_usable_here(client, cashier_a, store_a, store_b):
    customer = make_customer("Lê Văn Cường", "0903000111")
    here = make_voucher(customer=customer, stores=[store_a])
    elsewhere = make_voucher(customer=customer, stores=[store_b])
    client.force_login(cashier_a)
    response = client.get(reverse("promotions:cashier-customer"), {"phone": "0903 000 111"})
    html = response.content.decode()
    assert here.code in html
    assert elsewhere.code not in html


def test_the_short_link_shows_the_code_and_a_qr(client, customer):
    voucher = make_voucher(customer=customer)
    response = client.get(f"/v/{voucher.code.lower()}/")
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
    assert client.get(f"/v/{voucher.code}/qr.svg")["Content-Type"] == "image/svg+xml"
    assert client.get("/v/NOSUCHCODE/").status_code == 404


def test_overview_lists_vouchers_with_a_constant_number_of_queries(client, marketer, django_assert_max_num_queries):
    client.force_login(marketer)
    for _ in range(3):
        make_voucher()
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("promotions:overview")).status_code == 200
    for _ in range(20):
        make_voucher()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("promotions:overview")).status_code == 200


def test_bulk_issue_screen_queues_a_batch_and_shows_progress(client, marketer, django_capture_on_commit_callbacks):
    from promotions.models import VoucherBatch

    customer = make_customer("Hoàng Văn Em", "0911222333")
    client.force_login(marketer)
    assert client.get(reverse("promotions:batches")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("promotions:batches"),
            {"customer_ids": f"{customer.pk}", "discount_type": "fixed", "discount_value": "20000", "valid_days": "30"},
        )
    assert response.status_code == 302
    assert VoucherBatch.objects.get().issued == 1
    rows = client.get(reverse("promotions:batches"), HTTP_HX_REQUEST="true")
    assert "1/1" in rows.content.decode()
    bad = client.post(
        reverse("promotions:batches"), {"discount_type": "fixed", "discount_value": "1", "valid_days": "1"}
    )
    assert "Chọn một phân khúc" in bad.content.decode()


def test_admin_pages_open_and_a_voucher_is_created_through_the_service(client, make_user, store_a):
    from promotions.models import Voucher

    manager = make_user(Role.MANAGER, is_staff=True)
    client.force_login(manager)
    for model in ("voucher", "promotion", "campaign", "redemption", "budgetplan", "auditentry", "upsellrule"):
        assert client.get(f"/admin/promotions/{model}/").status_code == 200, model
    assert client.get("/admin/promotions/voucher/add/").status_code == 200
    response = client.post(
        "/admin/promotions/voucher/add/",
        {
            "code": "ADMIN2026",
            "status": "active",
            "discount_type": "fixed",
            "discount_value": "20000",
            "min_basket": "0",
            "valid_from_0": "2026-12-01",
            "valid_from_1": "00:00:00",
            "valid_to_0": "2026-12-31",
            "valid_to_1": "23:59:59",
            "weekdays": "[]",
            "store_only": "on",
            "stores": [store_a.pk],
            "usage_limit": "10",
        },
    )
    errors = response.context["adminform"].form.errors if response.status_code == 200 else None
    assert response.status_code == 302, errors
    voucher = Voucher.objects.get(code="ADMIN2026")
    assert voucher.created_by == manager
    assert list(voucher.stores.all()) == [store_a]
    bad = client.post(
        "/admin/promotions/voucher/add/", {"code": "X", "discount_type": "percent", "discount_value": "300"}
    )
    assert bad.status_code == 200


def test_the_counter_page_keeps_its_query_count_with_many_redemptions(
    client, cashier_a, store_a, django_assert_max_num_queries
):
    from promotions.pricing import Basket
    from promotions.services import voucher_redeem

    make_promotion(name="Giờ vàng", stores=[store_a])
    client.force_login(cashier_a)
    voucher = make_voucher(usage_limit=50)
    voucher_redeem(code=voucher.code, cashier=cashier_a, store=store_a, basket=Basket(given_total=1))
    with django_assert_max_num_queries(14):
        client.get(reverse("promotions:cashier"))
    for _ in range(9):
        voucher_redeem(code=voucher.code, cashier=cashier_a, store=store_a, basket=Basket(given_total=1))
    with django_assert_max_num_queries(14):
        html = client.get(reverse("promotions:cashier")).content.decode()
    assert html.count(voucher.code) == 10


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("PHONE-X 2", [{"sku": "PHONE-X", "quantity": 2}]),
        ("PHONE-X", [{"sku": "PHONE-X", "quantity": 1}]),
        ("sku-1, 3\n\n8931234567890*2", [{"sku": "sku-1", "quantity": 3}, {"sku": "8931234567890", "quantity": 2}]),
        ("BOX x 4", [{"sku": "BOX", "quantity": 4}]),
    ],
)
def test_the_counter_reads_typed_lines(typed, expected):
    from promotions.forms import CounterForm

    form = CounterForm({"lines": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["lines"] == expected


def test_unknown_sku_and_bad_lines_are_told_in_the_result(client, cashier_a):
    client.force_login(cashier_a)
    unknown = client.post(reverse("promotions:cashier-check"), {"lines": "NOPE 2"}, HTTP_HX_REQUEST="true")
    assert "Không tìm thấy SKU “NOPE”" in unknown.content.decode()
    bad = client.post(reverse("promotions:cashier-check"), {"lines": "A 2 3"}, HTTP_HX_REQUEST="true")
    assert "Không hiểu dòng 1" in bad.content.decode()
    empty = client.post(reverse("promotions:cashier-check"), {}, HTTP_HX_REQUEST="true")
    assert "Nhập mã voucher, tổng tiền hoặc các dòng hàng" in empty.content.decode()
