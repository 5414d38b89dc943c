"""Segment storage: set-based membership sync with history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer, SegmentMembership
from customers.selectors import customer_segments, segment_members
from customers.services import segment_sync_members
from customers.tests.factories import SegmentFactory, make_customer

pytestmark = pytest.mark.django_db


def test_sync_opens_and_closes_stays_and_keeps_history(django_assert_max_num_queries):
    # given
    segment = SegmentFactory(code="loyal")
    a, b, c = (make_customer(f"Khách {i}") for i in range(3))
    assert segment_sync_members(segment=segment, customer_ids=[a.pk, b.pk]) == (2, 0)
    # when
    later = timezone.now() + timedelta(days=1)
    with django_assert_max_num_queries(6):
        joined, left = segment_sync_members(
            segment=segment, customer_ids=Customer.objects.filter(pk__in=[b.pk, c.pk]), at=later
        )
    # then
    assert (joined, left) == (1, 1)
    assert set(segment_members(segment).values_list("pk", flat=True)) == {b.pk, c.pk}
    assert SegmentMembership.objects.filter(segment=segment).count() == 3
    assert SegmentMembership.objects.get(segment=segment, customer=a).left_at == later
    assert [s.code for s in customer_segments(b)] == ["loyal"]
    assert customer_segments(a) == []


def test_sync_is_a_no_op_when_nothing_changes():
    segment = SegmentFactory()
    a = make_customer()
    segment_sync_members(segment=segment, customer_ids=[a.pk])
    assert segment_sync_members(segment=segment, customer_ids=Customer.objects.values("pk")) == (0, 0)


def test_sync_query_count_does_not_grow_with_members(django_assert_max_num_queries):
    segment = SegmentFactory()
    customers = [make_customer(f"K {i}") for i in range(30)]
    with django_assert_max_num_queries(6):
        assert segment_sync_members(segment=segment, customer_ids=[c.pk for c in customers]) == (30, 0)


def test_sync_with_a_scope_changes_only_the_customers_in_scope():
    # given: a and b are members
    segment = SegmentFactory()
    a, b, c = (make_customer(f"Khách {i}") for i in range(3))
    segment_sync_members(segment=segment, customer_ids=[a.pk, b.pk])
    # when: a refresh of c alone says "c is a member" (and knows nothing of a and b)
    joined, left = segment_sync_members(segment=segment, customer_ids=[c.pk], scope=[c.pk])
    # then: c joins, a and b stay
    assert (joined, left) == (1, 0)
    assert set(segment_members(segment).values_list("pk", flat=True)) == {a.pk, b.pk, c.pk}
    # and a refresh of a that no longer qualifies closes only a's stay
    assert segment_sync_members(segment=segment, customer_ids=[], scope=[a.pk]) == (0, 1)
    assert set(segment_members(segment).values_list("pk", flat=True)) == {b.pk, c.pk}
