"""Real concurrency on PostgreSQL: parallel connections racing for one voucher."""

import threading

import pytest
from django.db import connection

from o2o_site.roles import Role
from promotions.errors import VoucherRefused
from promotions.models import Redemption, Voucher, VoucherCustomerUse
from promotions.pricing import Basket
from promotions.services import voucher_redeem

from .factories import make_customer, make_store, make_voucher

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(attempts: int, attempt) -> tuple[list, list]:
    barrier = threading.Barrier(attempts)
    successes, refusals, errors = [], [], []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            result = attempt(i)
            with lock:
                successes.append(result)
        except VoucherRefused as exc:
            with lock:
                refusals.append(exc.code)
        except Exception as exc:  # surfaced by the assertion below
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return successes, refusals


def test_fifty_parallel_redemptions_of_one_single_use_code_give_exactly_one_success(make_user):
    # given: one personal single-use voucher valid in every store, five stores with a cashier each
    stores = [make_store(f"race-{i}") for i in range(5)]
    cashiers = [make_user(Role.CASHIER, stores=[s]) for s in stores]
    voucher = make_voucher(customer=make_customer(), discount_value=100_000)
    # when: 50 counters try it at once
    successes, refusals = _race(
        50,
        lambda i: voucher_redeem(
            code=voucher.code, cashier=cashiers[i % 5], store=stores[i % 5], basket=Basket(given_total=500_000)
        ),
    )
    # then
    assert len(successes) == 1
    assert len(refusals) == 49 and set(refusals) == {"already_used"}
    assert Redemption.objects.filter(voucher=voucher).count() == 1
    assert Voucher.objects.get(pk=voucher.pk).used_count == 1


def test_per_customer_limit_holds_under_concurrency(make_user):
    # given: a shared code (plenty of uses) limited to 2 per customer
    store = make_store("race-pc")
    cashier = make_user(Role.CASHIER, stores=[store])
    customer = make_customer()
    voucher = make_voucher(usage_limit=1000, per_customer_limit=2)
    # when: 20 parallel redemptions for the same customer
    successes, refusals = _race(
        20,
        lambda i: voucher_redeem(
            code=voucher.code, cashier=cashier, store=store, customer=customer, basket=Basket(given_total=100_000)
        ),
    )
    # then
    assert len(successes) == 2
    assert set(refusals) == {"limit_reached"}
    assert VoucherCustomerUse.objects.get(voucher=voucher, customer=customer).used_count == 2
    assert Voucher.objects.get(pk=voucher.pk).used_count == 2


def test_total_limit_of_a_shared_code_holds_under_concurrency(make_user):
    store = make_store("race-total")
    cashier = make_user(Role.CASHIER, stores=[store])
    voucher = make_voucher(usage_limit=5)
    successes, refusals = _race(
        20, lambda i: voucher_redeem(code=voucher.code, cashier=cashier, store=store, basket=Basket(given_total=1))
    )
    assert len(successes) == 5
    assert set(refusals) == {"limit_reached"}


def test_the_same_idempotency_key_sent_twice_at_once_redeems_once(make_user):
    store = make_store("race-key")
    cashier = make_user(Role.CASHIER, stores=[store])
    voucher = make_voucher(usage_limit=100)
    successes, refusals = _race(
        8,
        lambda i: voucher_redeem(
            code=voucher.code, cashier=cashier, store=store, basket=Basket(given_total=1), idempotency_key="same"
        ),
    )
    assert len(successes) == 8 and not refusals
    assert len({r.pk for r in successes}) == 1
    assert Voucher.objects.get(pk=voucher.pk).used_count == 1


def test_two_parallel_voids_give_the_sale_its_price_back_once(make_user):
    from promotions.errors import VoidRefused
    from promotions.services import cashier_checkout, redemption_void

    # given: a 1.250.000 ₫ counter sale with a 100.000 ₫ code
    store = make_store("void-race")
    cashier = make_user(Role.CASHIER, stores=[store])
    voucher = make_voucher(customer=make_customer(), discount_value=100_000)
    redemption, order, _priced = cashier_checkout(
        store=store, cashier=cashier, basket=Basket(given_total=1_250_000), code=voucher.code
    )
    # when: two taps on "Hủy" reach two workers at once
    barrier = threading.Barrier(2)
    outcomes, lock = [], threading.Lock()

    def void() -> None:
        try:
            barrier.wait(timeout=30)
            redemption_void(redemption_id=redemption.pk, actor=cashier)
            result = "voided"
        except VoidRefused as exc:
            result = exc.code
        except Exception as exc:  # surfaced by the assertion below
            result = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=void) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # then: one void, one refusal, the discount given back exactly once
    assert sorted(outcomes) == ["already_voided", "voided"]
    order.refresh_from_db()
    voucher.refresh_from_db()
    assert (order.discount_total, order.total) == (0, 1_250_000)
    assert voucher.used_count == 0
