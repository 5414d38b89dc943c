"""Real parallel connections on PostgreSQL: a replayed batch and a contested anonymous id."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from collect.models import Identity, IdentityConflict, RawEvent
from collect.testing import event, make_source, post_batch
from customers.models import Activity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _parallel(n: int, work) -> list:
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_eight_clients_sending_the_same_batch_store_it_once():
    _source, key = make_source()
    batch = [event("identify", anon=f"d{i}", traits={"phone": f"0912000{i:03d}"}) for i in range(20)]
    batch += [event("track", event="Product Viewed", anon=f"d{i}") for i in range(20)]
    answers = _parallel(8, lambda _i: post_batch(Client(), key, batch).status_code)
    assert answers == [200] * 8
    assert RawEvent.objects.count() == 40
    assert Activity.objects.filter(kind="product_view").count() == 20
    assert not RawEvent.objects.exclude(state="done").exists()


def test_two_workers_stitching_one_anonymous_id_to_two_people_leave_one_owner_and_a_conflict():
    from collect.services import events_process

    source, _key = make_source()
    now = timezone.now()
    RawEvent.objects.bulk_create(
        [
            RawEvent(
                source=source,
                message_id=f"m{i}",
                type="identify",
                anonymous_id="contested",
                occurred_at=now,
                payload=event("identify", anon="contested", traits={"phone": f"098765432{i}"}),
            )
            for i in range(2)
        ]
    )
    # each worker takes one of the two events (SKIP LOCKED) and stitches at the same moment
    _parallel(2, lambda _i: events_process(limit=1))
    assert Identity.objects.filter(value="contested").count() == 1
    assert IdentityConflict.objects.count() == 1
    owner = Identity.objects.get(value="contested").customer_id
    assert IdentityConflict.objects.get().other_customer_id != owner
    assert not RawEvent.objects.filter(state="pending").exists()
