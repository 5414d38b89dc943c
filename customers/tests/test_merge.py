"""customer_merge moves everything to the survivor, is audited, refuses itself, and can be undone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers import registry
from customers.models import Activity, ConsentEvent, ContactPoint, Customer, MergeRecord, PointsEntry
from customers.selectors import customer_get, points_balance
from customers.services import (
    MergeRefused,
    customer_merge,
    customer_merge_undo,
    customer_resolve,
    record_activity,
    record_purchase,
)
from o2o_site.api import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(grant):
    survivor = customer_resolve(full_name="Nguyễn Văn An", phone="0912345678").customer
    duplicate = customer_resolve(full_name="Nguyen Van An", email="an@x.vn", shopee_buyer_id="s1").customer
    record_purchase(customer=survivor, amount=200_000, channel="store", occurred_at=timezone.now(), order_ref="P-1")
    record_purchase(
        customer=duplicate,
        amount=300_000,
        channel="shopee",
        occurred_at=timezone.now() - timedelta(days=10),
        order_ref="S-1",
    )
    record_activity(customer=duplicate, kind="ticket", ref_type="ticket", ref_id="T-1")
    # the same order on both profiles: must not be lost on merge
    record_activity(customer=survivor, kind="web_visit", ref_type="session", ref_id="same")
    record_activity(customer=duplicate, kind="web_visit", ref_type="session", ref_id="same")
    grant(duplicate, "email", "marketing")
    return survivor, duplicate


def _counts(customer):
    return {
        "contacts": ContactPoint.objects.filter(customer=customer).count(),
        "activities": Activity.objects.filter(customer=customer).count(),
        "points": PointsEntry.objects.filter(customer=customer).count(),
        "consents": ConsentEvent.objects.filter(customer=customer).count(),
    }


def test_merge_moves_every_row_and_leaves_a_tombstone(pair, manager):
    # given
    survivor, duplicate = pair
    before = {k: _counts(survivor)[k] + _counts(duplicate)[k] for k in _counts(survivor)}
    # when
    record = customer_merge(survivor=survivor, duplicate=duplicate, merged_by=manager)
    # then
    after = _counts(survivor)
    assert after["contacts"] == before["contacts"]
    assert after["activities"] == before["activities"] + 1  # + the merge entry itself
    assert after["points"] == before["points"]
    assert after["consents"] == before["consents"]
    assert _counts(duplicate) == {"contacts": 0, "activities": 0, "points": 0, "consents": 0}
    survivor.refresh_from_db()
    assert survivor.order_count == 2 and survivor.lifetime_value == 500_000
    assert points_balance(survivor) == 50
    assert customer_get(duplicate.pk).pk == survivor.pk
    assert record.merged_by == manager and record.moved
    assert customer_resolve(email="an@x.vn").customer.pk == survivor.pk
    assert survivor.consents.filter(channel="email", purpose="marketing", granted=True).exists()


def test_merge_moves_rows_other_apps_registered(pair, monkeypatch):
    # given: another app's table pointing at customers (ConsentEvent stands in for it here)
    survivor, duplicate = pair
    monkeypatch.setattr(registry, "_CUSTOMER_FKS", [("customers.ConsentEvent", "customer")])
    # when
    record = customer_merge(survivor=survivor, duplicate=duplicate)
    # then
    assert "customers.ConsentEvent.customer" in record.moved
    assert not ConsentEvent.objects.filter(customer=duplicate).exists()


def test_merge_refuses_a_customer_into_itself(pair):
    survivor, _duplicate = pair
    with pytest.raises(MergeRefused) as error:
        customer_merge(survivor=survivor, duplicate=survivor)
    assert error.value.code == "merge_self"


def test_merge_refuses_an_already_merged_profile(pair):
    survivor, duplicate = pair
    customer_merge(survivor=survivor, duplicate=duplicate)
    with pytest.raises(MergeRefused):
        customer_merge(survivor=survivor, duplicate=Customer.objects.get(pk=duplicate.pk))


def test_merge_undo_puts_every_row_back(pair, manager):
    # given
    survivor, duplicate = pair
    before_s, before_d = _counts(survivor), _counts(duplicate)
    record = customer_merge(survivor=survivor, duplicate=duplicate, merged_by=manager)
    # when
    customer_merge_undo(record=record, undone_by=manager)
    # then
    after_s = _counts(survivor)
    assert after_s["activities"] == before_s["activities"] + 1  # the merge entry stays as history
    assert {k: v for k, v in after_s.items() if k != "activities"} == {
        k: v for k, v in before_s.items() if k != "activities"
    }
    assert _counts(duplicate) == before_d
    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    assert duplicate.merged_into_id is None
    assert duplicate.lifetime_value == 300_000 and survivor.lifetime_value == 200_000
    assert Activity.objects.filter(customer=duplicate, ref_id="same").exists()
    assert MergeRecord.objects.get(pk=record.pk).undone_at is not None


def test_merge_fills_empty_profile_fields_and_undo_empties_them_again():
    from customers.services import customer_update

    survivor = customer_resolve(phone="0912000333").customer  # no name yet
    duplicate = customer_resolve(full_name="Đinh Thị Thu", email="thu@x.vn").customer
    customer_update(customer=duplicate, district="Quận 10")
    record = customer_merge(survivor=survivor, duplicate=duplicate)
    survivor.refresh_from_db()
    assert (survivor.full_name, survivor.district) == ("Đinh Thị Thu", "Quận 10")
    customer_merge_undo(record=record)
    survivor.refresh_from_db()
    assert (survivor.full_name, survivor.district) == ("", "")


def test_merge_undo_is_refused_after_thirty_days(pair):
    survivor, duplicate = pair
    record = customer_merge(survivor=survivor, duplicate=duplicate)
    MergeRecord.objects.filter(pk=record.pk).update(merged_at=timezone.now() - timedelta(days=31))
    with pytest.raises(Conflict) as error:
        customer_merge_undo(record=record)
    assert error.value.code == "undo_window_passed"
