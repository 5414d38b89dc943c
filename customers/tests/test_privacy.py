"""Export and erasure of a customer's personal data (Law 91/2025/QH15)."""

import pytest
from django.utils import timezone

from customers import registry
from customers.models import ContactPoint, Customer, Message, Purchase
from customers.services import (
    customer_can_contact,
    customer_erase,
    customer_export,
    customer_resolve,
    message_send,
    record_activity,
    record_purchase,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_customer(customer, grant):
    grant(customer, "sms", "marketing")
    record_purchase(customer=customer, amount=300_000, channel="tiki", occurred_at=timezone.now(), order_ref="TK-1")
    record_activity(customer=customer, kind="web_visit", summary="Xem điện thoại", utm={"utm_source": "fb"})
    message_send(customer=customer, channel="sms", purpose="service", body="Xin chào An", idempotency_key="e-1")
    return customer


def test_export_holds_everything_every_app_registered(rich_customer, monkeypatch):
    # given
    monkeypatch.setattr(registry, "_EXPORTS", {"tickets": lambda c: [{"id": 1, "customer": c.pk}]})
    # when
    data = customer_export(customer=rich_customer)
    # then
    assert data["customer"]["full_name"] == "Nguyễn Văn An"
    assert {c["value"] for c in data["contact_points"]} == {"+84912345678", "an@example.com"}
    assert data["consents"][0]["granted"] is True and data["consents"][0]["text_version"] == "2026-01"
    assert data["purchases"][0]["order_ref"] == "TK-1"
    assert data["messages"][0]["body"] == "Xin chào An"
    assert data["tickets"] == [{"id": 1, "customer": rich_customer.pk}]


def test_erase_removes_the_person_and_keeps_the_accounts(rich_customer, monkeypatch):
    # given
    erased_by_others = []
    monkeypatch.setattr(registry, "_ERASERS", [erased_by_others.append])
    # when
    customer_erase(customer=rich_customer, reason="Yêu cầu của khách")
    # then
    customer = Customer.objects.get(pk=rich_customer.pk)
    assert customer.full_name == "" and customer.is_erased
    assert not ContactPoint.objects.filter(customer=customer).exists()
    assert Message.objects.get(customer=customer).body == ""
    assert Purchase.objects.get(order_ref="TK-1").amount == 300_000  # financial record kept
    assert customer.lifetime_value == 300_000
    assert not customer_can_contact(customer, "sms", "marketing")
    assert not customer_can_contact(customer, "sms", "service")
    assert erased_by_others == [customer]
    # the phone is free again: the next resolve is a new person
    assert customer_resolve(phone="0912345678").created


def test_erase_also_blanks_profiles_merged_into_the_customer(customer):
    from customers.services import customer_merge

    old = customer_resolve(full_name="Nguyen V. An", email="old@x.vn").customer
    customer_merge(survivor=customer, duplicate=old)
    customer_erase(customer=customer)
    old.refresh_from_db()
    assert old.full_name == "" and old.is_erased
