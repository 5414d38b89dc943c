"""The cross-app contract functions behave as docs/CONTRACTS.md says."""

from datetime import timedelta

import pytest
from django.db.models.signals import post_save
from django.utils import timezone

from customers.models import Activity, Message
from customers.selectors import customer_get, customer_search, customer_timeline, points_balance
from customers.services import (
    ConsentRequired,
    InvalidIdentifier,
    customer_can_contact,
    customer_resolve,
    message_send,
    record_activity,
    record_purchase,
    record_purchase_reversal,
)

pytestmark = pytest.mark.django_db


def test_customer_resolve_creates_then_finds_by_any_format():
    # given
    first = customer_resolve(full_name="Trần Thị Bình", phone="0912 345 678")
    # when
    again = customer_resolve(phone="+84 912 345 678", email="Binh@Example.com")
    # then
    assert first.created is True
    assert again.created is False
    assert again.customer.pk == first.customer.pk
    assert again.customer.contact_points.filter(kind="email", value="binh@example.com").exists()


def test_customer_resolve_refuses_a_bad_phone_and_writes_nothing():
    with pytest.raises(InvalidIdentifier) as error:
        customer_resolve(full_name="X", phone="12abc")
    assert error.value.code == "invalid_phone"
    assert "phone" in error.value.fields


def test_record_activity_is_idempotent_on_its_reference(customer):
    # when
    record_activity(customer=customer, kind=Activity.Kind.ORDER, ref_type="order", ref_id="SO-1", amount=100_000)
    record_activity(customer=customer, kind=Activity.Kind.ORDER, ref_type="order", ref_id="SO-1", amount=120_000)
    # then
    rows = Activity.objects.filter(customer=customer, kind="order")
    assert rows.count() == 1
    assert rows.get().amount == 120_000


def test_record_purchase_counts_once_and_earns_points(customer):
    # given
    at = timezone.now() - timedelta(days=1)
    # when
    record_purchase(customer=customer, amount=1_250_000, channel="shopee", occurred_at=at, order_ref="SHP-1")
    record_purchase(customer=customer, amount=1_250_000, channel="shopee", occurred_at=at, order_ref="SHP-1")
    # then
    customer.refresh_from_db()
    assert customer.order_count == 1
    assert customer.lifetime_value == 1_250_000
    assert customer.first_purchase_at == at
    assert points_balance(customer) == 125


def test_record_purchase_reversal_takes_back_figures_and_points(customer):
    # given
    record_purchase(customer=customer, amount=500_000, channel="store", occurred_at=timezone.now(), order_ref="POS-9")
    # when
    record_purchase_reversal(customer=customer, order_ref="POS-9")
    record_purchase_reversal(customer=customer, order_ref="POS-9")
    # then
    customer.refresh_from_db()
    assert customer.order_count == 0
    assert customer.lifetime_value == 0
    assert points_balance(customer) == 0


def test_customer_can_contact_needs_marketing_consent_but_not_for_service(customer, grant):
    assert customer_can_contact(customer, "sms", "marketing") is False
    assert customer_can_contact(customer, "sms", "service") is True
    grant(customer, "sms", "marketing")
    assert customer_can_contact(customer, "sms", "marketing") is True
    assert customer_can_contact(customer, "zns", "marketing") is False


def test_message_send_refuses_marketing_without_consent(customer):
    with pytest.raises(ConsentRequired) as error:
        message_send(customer=customer, channel="sms", purpose="marketing", body="Sale!", idempotency_key="m-1")
    assert error.value.code == "no_consent"
    assert not Message.objects.exists()


def test_message_send_writes_the_row_and_sends_after_commit(customer, django_capture_on_commit_callbacks, settings):
    settings.CUSTOMERS_SMS_ADAPTER = "console"
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(
            customer=customer,
            channel="sms",
            purpose="service",
            body="Đã xử lý",
            idempotency_key="t-1",
            ref_type="ticket",
            ref_id="7",
        )
    again = message_send(customer=customer, channel="sms", purpose="service", body="x", idempotency_key="t-1")
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert again.pk == message.pk
    assert Message.objects.filter(ref_type="ticket", ref_id="7").count() == 1


def test_selectors_find_get_and_list(customer):
    record_activity(customer=customer, kind="web_visit", utm={"utm_source": "facebook"})
    assert customer_search("nguyen van an")[0].pk == customer.pk
    assert customer_get(customer.pk).pk == customer.pk
    page = customer_timeline(customer)
    assert page.count == 1 and page.items[0].kind == "web_visit"


def test_record_activity_and_purchase_announce_their_rows_as_a_save_would(customer):
    # given: listeners such as reports' segment refresh hear of rows through post_save
    heard = []

    def listener(sender, instance, created, **kwargs):
        heard.append((sender.__name__, instance.pk is not None, created, instance.customer_id))

    post_save.connect(listener, dispatch_uid="test-listener")
    try:
        # when
        record_purchase(
            customer=customer, amount=250_000, channel="shopee", occurred_at=timezone.now(), order_ref="A-1"
        )
        record_purchase(
            customer=customer, amount=250_000, channel="shopee", occurred_at=timezone.now(), order_ref="A-1"
        )
        record_activity(customer=customer, kind=Activity.Kind.ORDER, ref_type="order", ref_id="A-1")
        again = record_activity(customer=customer, kind=Activity.Kind.ORDER, ref_type="order", ref_id="A-1", amount=1)
    finally:
        post_save.disconnect(dispatch_uid="test-listener")
    # then
    assert heard == [
        ("Purchase", True, True, customer.pk),
        ("PointsEntry", True, True, customer.pk),
        ("Activity", True, True, customer.pk),
        ("Activity", True, False, customer.pk),
    ]
    assert again == Activity.objects.get(customer=customer, ref_id="A-1")
    assert again.created_at is not None and again.amount == 1


def test_record_purchase_keeps_the_first_and_last_purchase_whatever_the_arrival_order(customer):
    # given
    now = timezone.now()
    # when
    record_purchase(
        customer=customer, amount=100_000, channel="shopee", occurred_at=now - timedelta(days=2), order_ref="B-2"
    )
    record_purchase(
        customer=customer, amount=50_000, channel="store", occurred_at=now - timedelta(days=5), order_ref="B-1"
    )
    record_purchase(customer=customer, amount=0, channel="store", occurred_at=now, order_ref="B-3")
    # then
    customer.refresh_from_db()
    assert (customer.order_count, customer.lifetime_value) == (3, 150_000)
    assert customer.first_purchase_at == now - timedelta(days=5)
    assert customer.last_purchase_at == now
    assert customer.lifecycle == "customer"
    assert points_balance(customer) == 15
