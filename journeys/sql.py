"""The few statements of the journeys app written by hand, each with its reason.

Plain SQL that PostgreSQL and SQLite both run, so `make run` and CI take the same path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection

from customers.models import Customer

from .models import DueStep, Enrollment, Journey

_CHUNK = 1000  # rows per INSERT: 7 parameters each stays under SQLite's 32,766-variable limit
ENTER_CHUNK = 20_000  # ids per entry statement (an IN list: SQLite's limit is 32,766 variables)
# The stable holdout hash of `entry.is_holdout`, in SQL (parameters: percent, journey id, percent).
_HOLDOUT = "(%s > 0 AND ((c.id * 2654435761 + %s * 40503) %% 100) < %s)"


def due_steps_insert(rows: Sequence[tuple[int, int, str, datetime]]) -> None:
    """Inserts pending steps `(enrollment_id, seq, step_key, due_at)` in multi-row INSERTs.

    Why not `bulk_create`: on the tick's hot path its per-object compile cost was a third of
    the batch's time (profiled at 3,000 steps); the rows carry no defaults worth the ORM."""
    table = DueStep._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            values = ", ".join(["(%s, %s, %s, %s, 'pending', '', '')"] * len(chunk))
            params = [value for row in chunk for value in row]
            cursor.execute(
                f"INSERT INTO {table} (enrollment_id, seq, step_key, due_at, status, outcome, detail) VALUES {values}",
                params,
            )


def first_steps_schedule(*, journey_id: int, first_key: str, now: datetime) -> None:
    """One INSERT … SELECT of the first step for every new active stay (next_seq = 1 marks them),
    then moves their counter: set-based, so 100k customers entering cost two statements."""
    enrollment_t, due_t = Enrollment._meta.db_table, DueStep._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {due_t} (enrollment_id, seq, step_key, due_at, status, outcome, detail) "
            f"SELECT id, 1, %s, %s, 'pending', '', '' FROM {enrollment_t} "
            "WHERE journey_id = %s AND status = 'active' AND next_seq = 1",
            [first_key, now, journey_id],
        )
        cursor.execute(
            f"UPDATE {enrollment_t} SET next_seq = 2 WHERE journey_id = %s AND status = 'active' AND next_seq = 1",
            [journey_id],
        )


def enrollments_insert(
    *, journey: Journey, version_id: int, customer_ids: Sequence[int], now: datetime, cool_since
) -> int:
    """Enters the ids that pass every entry rule, in one INSERT … SELECT; answers how many.

    Why SQL: 100k entrants as ORM objects took 5× the same rows written this way. The rules:
    a live profile; no open stay in this journey, and no earlier one at all (or, where re-entry
    is allowed, none ended or begun since `cool_since`); no open stay in a live journey of
    higher priority. The holdout is the same stable hash as `entry.is_holdout`."""
    enrollment_t, journey_t, customer_t = Enrollment._meta.db_table, Journey._meta.db_table, Customer._meta.db_table
    pct, jid = journey.holdout_percent, journey.pk
    placeholders = ", ".join(["%s"] * len(customer_ids))
    if cool_since is None:
        previous, previous_params = "", []
    else:
        previous = " AND (e.status IN ('active', 'holdout') OR e.ended_at >= %s OR e.entered_at >= %s)"
        previous_params = [cool_since, cool_since]
    holdout = _HOLDOUT
    statement = (
        f"INSERT INTO {enrollment_t} (journey_id, version_id, customer_id, status, entered_at, exit_reason, "
        "next_seq, is_holdout) "
        f"SELECT %s, %s, c.id, CASE WHEN {holdout} THEN 'holdout' ELSE 'active' END, %s, '', 1, {holdout} "
        f"FROM {customer_t} c WHERE c.id IN ({placeholders}) AND c.merged_into_id IS NULL AND c.erased_at IS NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {enrollment_t} e WHERE e.journey_id = %s AND e.customer_id = c.id{previous}) "
        f"AND NOT EXISTS (SELECT 1 FROM {enrollment_t} e JOIN {journey_t} j ON j.id = e.journey_id "
        "WHERE e.customer_id = c.id AND e.status IN ('active', 'holdout') AND j.status = 'live' AND j.priority > %s)"
    )
    params = [
        jid,
        version_id,
        pct,
        jid,
        pct,
        now,
        pct,
        jid,
        pct,
        *customer_ids,
        jid,
        *previous_params,
        journey.priority,
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def lower_priority_stays_of_newcomers(*, journey: Journey, now: datetime) -> list[int]:
    """The open stays, in live journeys of lower priority, of the customers who just entered
    `journey` (its stays entered at `now` whose first step is not scheduled yet)."""
    enrollment_t, journey_t = Enrollment._meta.db_table, Journey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id FROM {enrollment_t} e JOIN {journey_t} j ON j.id = e.journey_id "
            "WHERE e.status = 'active' AND j.priority < %s AND e.customer_id IN ("
            f"SELECT n.customer_id FROM {enrollment_t} n WHERE n.journey_id = %s AND n.entered_at = %s "
            "AND n.next_seq = 1)",
            [journey.priority, journey.pk, now],
        )
        return [row[0] for row in cursor.fetchall()]
