"""A bulk issue survives its worker's death (issue 13): a real worker is killed with SIGKILL in
the middle of a batch; after a new worker starts, the periodic resume takes the expired lease
over and the batch finishes from its cursor — every customer one voucher, counters = rows."""

import os
import signal
import time

import pytest
from django.db.models import Count

from o2o_site.testing import start_worker
from promotions import tasks
from promotions.models import Voucher, VoucherBatch
from promotions.services import voucher_batch_create

LEASE_SECONDS = 3
WORKER_ENV = {"PROMOTIONS_BATCH_LEASE_SECONDS": str(LEASE_SECONDS), "PROMOTIONS_BATCH_CHUNK_SIZE": "25"}


def _wait(condition, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return None


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_worker_is_killed_is_finished_after_restart_once_per_customer(celery_broker, marketer):
    from customers.models import Customer

    # given: 1,500 customers (rows only: the batch needs nothing else) and a running worker
    customers = Customer.objects.bulk_create([Customer(full_name=f"Khách {i}") for i in range(1500)])
    worker = start_worker(celery_broker.url, extra_env=WORKER_ENV)
    try:
        batch = voucher_batch_create(
            template={"discount_type": "fixed", "discount_value": 20_000, "valid_days": 30},
            created_by=marketer,
            customer_ids=[c.pk for c in customers],
        )
        assert _wait(lambda: VoucherBatch.objects.get(pk=batch.pk).issued >= 100, timeout=90), "the batch never started"
        # when: the worker dies mid-batch
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    killed_at = time.monotonic()
    stopped = VoucherBatch.objects.get(pk=batch.pk)
    assert stopped.status == "running" and stopped.issued < 1500
    assert stopped.issued == Voucher.objects.filter(batch=batch).count()  # a half chunk left nothing behind

    # and: a new worker starts; the periodic resume (beat's job, run here each second) takes over
    worker = start_worker(celery_broker.url, extra_env=WORKER_ENV)
    try:

        def finished():
            tasks.voucher_batches_resume()
            return VoucherBatch.objects.get(pk=batch.pk).status == "done"

        assert _wait(finished, timeout=LEASE_SECONDS + 90, step=1), "the batch was never taken over"
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    # then: taken over soon after the lease expired, and each customer has exactly one voucher
    batch.refresh_from_db()
    assert batch.finished_at is not None
    made = Voucher.objects.filter(batch=batch)
    assert made.count() == 1500 == batch.issued == batch.total
    assert not made.values("customer").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert batch.skipped == 0 and batch.cursor == max(c.pk for c in customers)
    took = time.monotonic() - killed_at
    print(f"killed at {stopped.issued} issued; finished {took:.1f} s after the kill (lease {LEASE_SECONDS} s)")
    assert took < LEASE_SECONDS + 60
