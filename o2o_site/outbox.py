"""The one way to send a Celery task for work a transaction commits: the task outbox.

`enqueue_after_commit(task, *args)` writes an `OutboxTask` row inside the caller's transaction
and, once it commits, hands the task to the broker and marks the row sent. A broker or network
fault at that moment is logged and never raised: the request whose work was committed must not
answer 500 because a queue was down, and the row stays unsent until the periodic
`o2o_site.outbox_drain` (every 30 s, `outbox_drain`) sends it. A rollback takes the row with it,
so no task is ever sent for work that did not happen. Delivery to the broker is at least once
(a crash between sending and marking re-sends), so tasks stay idempotent, as they are anyway.

`enqueue_ids_after_commit(task, key, id)` is the coalescing form: every id given in one
transaction under one key travels in a single task (`task([ids...])`).

With no broker (eager mode: the first run, the tests) the task runs in-process after commit
and no row is written: there is no queue to lose it in. Arguments are ids and plain JSON
values, never model instances. This module must not import any business app.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)

# A row younger than this is left to its own after-commit send (which may still be retrying).
DRAIN_AFTER_SECONDS = 60
KEEP_SENT_DAYS = 7

_local = threading.local()
_broker_down_until = 0.0


def _eager() -> bool:
    from o2o_site.celery import app

    return bool(app.conf.task_always_eager)


def _name(task: Any) -> str:
    return getattr(task, "name", None) or str(task)


def enqueue_now(task: Any, *args: Any) -> bool:
    """`task.delay(*args)` now; False (logged) when the broker refuses. Never raises."""
    try:
        task.delay(*args)
    except Exception as exc:  # the broker is down or unreachable: the caller's row stays pending
        logger.warning("could not enqueue %s%r: %s", _name(task), args, exc)
        return False
    return True


def run_eager(task: Any, *args: Any) -> bool:
    """Eager mode: runs the task here and now with `apply()`, which never publishes — whatever
    Celery app is current (a client app made current elsewhere once captured every shared task
    and sent it to a closed pool). Never raises."""
    try:
        task.apply(args=args)
    except Exception as exc:  # the task's own failure is recorded by the task; never the caller's
        logger.warning("in-process run of %s%r failed: %s", _name(task), args, exc)
        return False
    return True


def _mark(pk: int, sent: bool, error: str = "") -> None:
    from .models import OutboxTask

    if sent:
        OutboxTask.objects.filter(pk=pk).update(sent_at=timezone.now())
    else:
        OutboxTask.objects.filter(pk=pk).update(attempts=F("attempts") + 1, last_error=error[:2000])


def _publish(name: str, args: list) -> str:
    """Sends one task by name; '' when the broker took it, else the error."""
    from o2o_site.celery import app

    task = app.tasks.get(name)
    try:
        if task is not None:
            task.apply_async(args=tuple(args))
        else:  # a task of a worker-only module: routed by name
            app.send_task(name, args=tuple(args))
    except Exception as exc:  # broker down: reported to the caller, who keeps the row unsent
        return f"{exc.__class__.__name__}: {exc}"
    return ""


def _broker_retry_seconds() -> float:
    from django.conf import settings

    return float(getattr(settings, "OUTBOX_BROKER_RETRY_SECONDS", 10))


def _send_row(pk: int, name: str, args: list) -> None:
    """The after-commit send. After a refusal the broker is left alone for
    OUTBOX_BROKER_RETRY_SECONDS (10): requests do not each wait for a dead broker, the rows
    wait for the drain (or the first send after the pause)."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return
    error = _publish(name, args)
    if error:
        _broker_down_until = time.monotonic() + _broker_retry_seconds()
        logger.warning("outbox: %s%r stays queued in the database (%s)", name, args, error)
    _mark(pk, sent=not error, error=error)


def reset_broker_state() -> None:
    """Forgets a recorded broker refusal (tests; the drain does not need it)."""
    global _broker_down_until
    _broker_down_until = 0.0


def _insert(name: str, args: list, using: str | None = None):
    """The row, without post_save: the outbox is plumbing, not something listeners should hear of."""
    from .models import OutboxTask

    (row,) = OutboxTask.objects.using(using or DEFAULT_DB_ALIAS).bulk_create([OutboxTask(task=name, args=args)])
    return row


def enqueue_after_commit(task: Any, *args: Any, using: str | None = None) -> None:
    """Records `task(*args)` in the caller's transaction; sends it after commit. Never raises
    for the broker: a send that fails is left to the periodic drain."""
    if _eager():
        transaction.on_commit(lambda: run_eager(task, *args), using=using, robust=True)
        return
    name, plain = _name(task), list(args)
    row = _insert(name, plain, using=using)
    transaction.on_commit(lambda: _send_row(row.pk, name, plain), using=using, robust=True)


def enqueue_ids_after_commit(task: Any, key: str, item_id: int) -> None:
    """Adds `item_id` to the one `task([ids])` this transaction sends under `key` (a set).

    The ids gathered so far travel in one outbox row, which also tells whether they still belong
    to the open transaction: a rollback (of the transaction, or of the savepoint that wrote the
    row) removes it, and the next id starts a new set. So the row is written in eager mode too
    (marked sent when the in-process run is done). Outside a transaction: one task, at once.
    """
    from .models import OutboxTask

    if not transaction.get_connection().in_atomic_block:
        enqueue_after_commit(task, [item_id])
        return
    pending: dict = getattr(_local, "pending", None) or {}
    _local.pending = pending
    state = pending.get(key)
    if state is not None and not state["done"]:
        unsent = OutboxTask.objects.filter(pk=state["pk"], sent_at__isnull=True)
        if item_id in state["ids"]:
            if unsent.exists():
                return
        elif unsent.update(args=[sorted(state["ids"] | {item_id})]):
            state["ids"].add(item_id)
            return
    name = _name(task)
    state = {"ids": {item_id}, "done": False}
    state["pk"] = _insert(name, [[item_id]]).pk
    pending[key] = state

    def flush() -> None:
        state["done"] = True
        ids = sorted(state["ids"])
        if _eager():
            _mark(state["pk"], sent=run_eager(task, ids), error="eager run failed")
        else:
            _send_row(state["pk"], name, [ids])

    transaction.on_commit(flush, robust=True)


def outbox_drain(*, limit: int = 500, now: dt.datetime | None = None) -> int:
    """Sends the unsent rows older than DRAIN_AFTER_SECONDS, oldest first; answers how many.

    Rows are locked with SKIP LOCKED, so two drains never send the same row. The first broker
    refusal stops the run (the rest waits for the next one). Sent rows older than a week go.
    """
    from .models import OutboxTask

    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        rows = list(
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, created_at__lte=now - dt.timedelta(seconds=DRAIN_AFTER_SECONDS))
            .order_by("pk")[:limit]
        )
        for row in rows:
            error = _publish(row.task, row.args)
            _mark(row.pk, sent=not error, error=error)
            if error:
                logger.warning("outbox drain: broker refused %s (%s); %s rows wait", row.task, error, len(rows) - sent)
                break
            sent += 1
    OutboxTask.objects.filter(sent_at__lt=now - dt.timedelta(days=KEEP_SENT_DAYS)).delete()
    return sent
