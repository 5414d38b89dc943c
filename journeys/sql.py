"""The few statements of the journeys app written by hand, each with its reason.

Plain SQL that PostgreSQL and SQLite both run, so `make run` and CI take the same path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection

from .models import DueStep, Enrollment

_CHUNK = 1000  # rows per INSERT: 7 parameters each stays under SQLite's 32,766-variable limit


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
