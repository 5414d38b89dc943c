"""The one way to send a Celery task after a transaction commits.

`enqueue_after_commit(task, *args)` schedules `task.delay(*args)` with `transaction.on_commit`.
A broker or network fault at that moment is logged and never raised: the request whose work was
committed must not answer 500 because a queue was down. Work that must not be lost is a database
row first (pending), so the periodic job of its app re-sends it. Arguments are ids and plain
JSON values, never model instances.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_now(task: Any, *args: Any) -> bool:
    """`task.delay(*args)` now; False (logged) when the broker refuses. Never raises."""
    try:
        task.delay(*args)
    except Exception as exc:  # the broker is down or unreachable: the row stays pending
        logger.warning("could not enqueue %s%r: %s", getattr(task, "name", task), args, exc)
        return False
    return True


def enqueue_after_commit(task: Any, *args: Any, using: str | None = None) -> None:
    """Schedules `task.delay(*args)` for after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue_now(task, *args), using=using)
