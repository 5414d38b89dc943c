"""Celery tasks of the promotions app: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="promotions.voucher_batch_run",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def voucher_batch_run(batch_id: int) -> dict:
    from .services import voucher_batch_run as run

    batch = run(batch_id=batch_id)
    return {"batch": batch_id, "status": batch.status if batch else None}


@shared_task(name="promotions.voucher_batches_resume")
def voucher_batches_resume() -> int:
    """Restarts batches left pending (the broker was down when they were queued) and takes over
    those whose worker died (lease expired); each run goes on from the batch's cursor."""
    from o2o_site.outbox import enqueue_now

    from .services import voucher_batches_resume as due

    ids = due()
    for pk in ids:
        if not enqueue_now(voucher_batch_run, pk):
            break  # the broker is down: the next run tries again
    return len(ids)
