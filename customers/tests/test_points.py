"""The points ledger: earn, spend, expire, adjust — the balance never goes negative."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from customers.models import Customer, PointsEntry
from customers.selectors import points_balance
from customers.services import (
    InsufficientPoints,
    customer_resolve,
    points_adjust,
    points_expire_due,
    points_spend,
    record_purchase,
)


@pytest.mark.django_db
def test_earn_rule_is_one_point_per_ten_thousand_dong(customer, settings):
    record_purchase(customer=customer, amount=99_999, channel="web", occurred_at=timezone.now(), order_ref="W-1")
    assert points_balance(customer) == 9
    settings.CUSTOMERS_POINTS_VND_PER_POINT = 1000
    record_purchase(customer=customer, amount=5_000, channel="web", occurred_at=timezone.now(), order_ref="W-2")
    assert points_balance(customer) == 14


@pytest.mark.django_db
def test_spend_refuses_more_than_the_balance(customer):
    points_adjust(customer=customer, points=10, reason="Tặng")
    with pytest.raises(InsufficientPoints):
        points_spend(customer=customer, points=11)
    assert points_balance(customer) == 10


@pytest.mark.django_db
def test_spend_is_idempotent_on_its_reference(customer):
    points_adjust(customer=customer, points=10, reason="Tặng")
    first = points_spend(customer=customer, points=4, reference="POS-1")
    again = points_spend(customer=customer, points=4, reference="POS-1")
    assert first.pk == again.pk
    assert points_balance(customer) == 6


@pytest.mark.django_db
def test_expiry_takes_what_is_left_of_old_points_only(customer):
    # given
    old = timezone.now() - timedelta(days=400)
    record_purchase(customer=customer, amount=100_000, channel="store", occurred_at=old, order_ref="OLD")
    record_purchase(customer=customer, amount=50_000, channel="store", occurred_at=timezone.now(), order_ref="NEW")
    points_spend(customer=customer, points=3)  # taken from the oldest points first
    # when
    expired = points_expire_due()
    # then
    assert expired == 1
    assert points_balance(customer) == 5
    assert PointsEntry.objects.get(customer=customer, kind="expire").points == -7
    assert points_expire_due() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_points_never_go_negative_under_concurrent_spends():
    # given: 10 points, 8 cashiers each spending 3 at the same moment
    customer = customer_resolve(full_name="Đua điểm", phone="0977000111").customer
    points_adjust(customer=customer, points=10, reason="Tặng")
    spenders = 8
    barrier = threading.Barrier(spenders)
    ok, refused, errors = [], [], []

    def spend(i):
        try:
            barrier.wait(timeout=10)
            points_spend(customer=customer, points=3, reference=f"race-{i}")
            ok.append(i)
        except InsufficientPoints:
            refused.append(i)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=spend, args=(i,)) for i in range(spenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert not errors
    assert len(ok) == 3 and len(refused) == 5
    assert Customer.objects.get(pk=customer.pk).points_balance == 1
    assert sum(PointsEntry.objects.filter(customer=customer).values_list("points", flat=True)) == 1


@pytest.mark.django_db
def test_points_adjust_repeated_with_the_same_reference_returns_the_first_entry(api_as, manager, customer):
    # given a manager's adjustment with a reference
    client = api_as(manager)
    body = {"action": "adjust", "points": 5, "reason": "Bù điểm", "reference": "CS-1"}
    first = client.post(f"/api/v1/customers/{customer.pk}/points/", body, format="json")
    # when the same request is sent again
    again = client.post(f"/api/v1/customers/{customer.pk}/points/", body, format="json")
    # then it answers the first entry and adds nothing
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert points_balance(customer) == 5


@pytest.mark.django_db
def test_points_adjust_same_reference_other_points_is_409(api_as, manager, customer):
    client = api_as(manager)
    url = f"/api/v1/customers/{customer.pk}/points/"
    client.post(url, {"action": "adjust", "points": 5, "reason": "Bù", "reference": "CS-2"}, format="json")
    clash = client.post(url, {"action": "adjust", "points": -3, "reason": "Bù", "reference": "CS-2"}, format="json")
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "reference_reused"
    assert points_balance(customer) == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_points_adjust_same_reference_in_parallel_credits_once():
    # given: 6 managers' screens posting the same correction at the same moment
    customer = customer_resolve(full_name="Điều chỉnh đua", phone="0977000222").customer
    workers = 6
    barrier = threading.Barrier(workers)
    ids, errors = [], []

    def adjust():
        try:
            barrier.wait(timeout=10)
            ids.append(points_adjust(customer=customer, points=4, reason="Bù", reference="RACE-1").pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=adjust) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one entry, credited once, every caller got it
    assert not errors
    assert len(set(ids)) == 1 and len(ids) == workers
    assert Customer.objects.get(pk=customer.pk).points_balance == 4
