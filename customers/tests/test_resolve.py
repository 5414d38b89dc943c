"""customer_resolve: one customer per person, whatever identifiers arrive, even in a race."""

import threading

import pytest
from django.db import connection

from customers.models import ContactPoint, Customer, MergeCandidate
from customers.services import InvalidIdentifier, blocklist_add, customer_resolve


@pytest.mark.django_db
def test_resolve_attaches_new_identifiers_to_the_matched_customer():
    # given
    first = customer_resolve(full_name="Lê Văn Cường", shopee_buyer_id="shp-77").customer
    # when
    result = customer_resolve(shopee_buyer_id="shp-77", phone="0987 654 321", zalo_id="z-1")
    # then
    assert result.customer.pk == first.pk and not result.created
    kinds = set(ContactPoint.objects.filter(customer=first).values_list("kind", flat=True))
    assert kinds == {"shopee", "phone", "zalo"}


@pytest.mark.django_db
def test_resolve_does_not_guess_between_two_customers_and_records_a_candidate():
    # given
    by_phone = customer_resolve(full_name="A", phone="0912000111").customer
    by_email = customer_resolve(full_name="B", email="b@example.com").customer
    # when
    result = customer_resolve(phone="0912000111", email="B@example.com")
    # then
    assert result.customer.pk == by_phone.pk  # the phone weighs most
    assert result.merge_candidate
    assert MergeCandidate.objects.filter(
        customer_a_id=min(by_phone.pk, by_email.pk), customer_b_id=max(by_phone.pk, by_email.pk)
    ).exists()
    assert ContactPoint.objects.get(kind="email").customer_id == by_email.pk  # not stolen


@pytest.mark.django_db
def test_resolve_never_matches_on_a_blocklisted_number():
    # given
    blocklist_add(kind="phone", value="028 3999 9999", reason="hotline")
    a = customer_resolve(full_name="A", phone="02839999999", email="a@x.vn").customer
    # when
    b = customer_resolve(full_name="B", phone="028 3999 9999", email="b@x.vn").customer
    placeholder_1 = customer_resolve(full_name="C", phone="0000000000", email="c@x.vn").customer
    placeholder_2 = customer_resolve(full_name="D", phone="0000000000", email="d@x.vn").customer
    # then
    assert a.pk != b.pk
    assert placeholder_1.pk != placeholder_2.pk
    assert ContactPoint.objects.filter(value="+842839999999", is_blocked=True).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"phone": "12345"}, "invalid_phone", "phone"),
        ({"phone": "0912abc678"}, "invalid_phone", "phone"),
        ({"email": "not-an-email"}, "invalid_email", "email"),
        ({"full_name": "Chỉ có tên"}, "no_identifier", "phone"),
    ],
)
def test_resolve_refuses_bad_input_and_writes_nothing(payload, code, field):
    with pytest.raises(InvalidIdentifier) as error:
        customer_resolve(**payload)
    assert error.value.code == code
    assert field in error.value.fields
    assert Customer.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_resolves_of_the_same_new_phone_create_one_customer():
    # given
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    results, errors = [], []

    def resolve(i):
        try:
            barrier.wait(timeout=10)
            results.append(customer_resolve(full_name=f"Khách {i}", phone="0933 111 222", zalo_id=f"z-{i}"))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=resolve, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert not errors
    assert len({r.customer.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Customer.objects.count() == 1
    assert ContactPoint.objects.filter(kind="zalo").count() == threads_count


@pytest.mark.django_db
def test_resolve_of_a_known_phone_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    customer_resolve(full_name="X", phone="0912888999")
    with django_assert_max_num_queries(4):  # savepoint, blocklist, contact points + customer, release
        result = customer_resolve(phone="+84912888999")
    assert not result.created
