"""Benchmarks of the journeys hot paths, each with its floor (the same rows written in raw SQL).

- `journeys.enter`: a segment of 100k customers (× --scale) enters a journey.
- `journeys.tick`: due steps processed per second with 100k customers inside a journey
  (a branch on "visited a store?" then a wait: no gateway involved).
"""

from __future__ import annotations

import time

from django.db import connection
from django.utils import timezone

from o2o_site.bench import register

_BUILT: dict[str, object] = {}


def _population(n: int):
    """n live customers in one custom segment, loaded in bulk, statistics fresh."""
    from customers.models import Customer, Segment, SegmentMembership

    if n in _BUILT:
        return _BUILT[n]
    tag = f"bench-journeys-{n}"
    Customer.objects.bulk_create(
        [Customer(full_name=f"Khách {i}", search_name=f"khach {i}", source=tag) for i in range(n)], batch_size=10_000
    )
    ids = list(Customer.objects.filter(source=tag).values_list("pk", flat=True))
    segment = Segment.objects.create(code=f"bench-journeys-{n}", name="Bench", kind=Segment.Kind.CUSTOM)
    now = timezone.now()
    SegmentMembership.objects.bulk_create(
        [SegmentMembership(segment=segment, customer_id=cid, joined_at=now) for cid in ids], batch_size=10_000
    )
    _analyze()
    _BUILT[n] = (segment, ids)
    return segment, ids


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def _analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _journey(name: str, steps: list[dict]):
    from journeys.services import journey_create, journey_publish

    journey = journey_create(name=name, entry_kind="manual", steps=steps)
    journey_publish(journey=journey)
    journey.refresh_from_db()
    return journey


def _floor_enter(journey, ids: list[int], first_key: str) -> float:
    """The same enrollments and first steps as two INSERT … SELECT statements."""
    from journeys.models import DueStep, Enrollment

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Enrollment._meta.db_table} (journey_id, version_id, customer_id, status, entered_at, "
            "exit_reason, is_holdout, next_seq) SELECT %s, %s, c.id, 'active', now(), '', false, 2 "
            "FROM customers_customer c WHERE c.id = ANY(%s)",
            [journey.pk, journey.current_version_id, ids],
        )
        cursor.execute(
            f"INSERT INTO {DueStep._meta.db_table} (enrollment_id, seq, step_key, due_at, status, outcome, detail) "
            f"SELECT id, 1, %s, now(), 'pending', '', '' FROM {Enrollment._meta.db_table} WHERE journey_id = %s",
            [first_key, journey.pk],
        )
    return time.perf_counter() - started


@register("journeys.enter")
def journeys_enter(ctx) -> dict:
    from journeys.services import journey_enter

    n = ctx.n(100_000, minimum=1_000)
    segment, ids = _population(n)
    steps = [{"key": "w", "type": "wait", "days": 1}]
    journey = _journey(f"bench enter {n}", steps)
    started = time.perf_counter()
    entered = journey_enter(journey=journey, customer_ids=ids)
    elapsed = time.perf_counter() - started
    floor_s = _floor_enter(_journey(f"bench enter floor {n}", steps), ids, "w") if _on_postgres() else None
    return {
        "customers": n,
        "entered": entered,
        "seconds": round(elapsed, 2),
        "floor_raw_sql_seconds": round(floor_s, 2) if floor_s else None,
        "ratio_to_floor": round(elapsed / floor_s, 1) if floor_s else None,
        "aim_seconds": 10,
        "database": connection.vendor,
    }


@register("journeys.tick")
def journeys_tick(ctx) -> dict:
    from journeys.models import DueStep
    from journeys.services import due_steps_run, journey_enter

    n = ctx.n(100_000, minimum=1_000)
    _segment, ids = _population(n)
    steps = [
        {"key": "b", "type": "branch", "condition": "visited", "yes": "w1", "no": "w2"},
        {"key": "w1", "type": "wait", "days": 1},
        {"key": "w2", "type": "wait", "days": 2},
    ]
    journey = _journey(f"bench tick {n}", steps)
    journey_enter(journey=journey, customer_ids=ids)
    _analyze()
    work = min(n, max(2_000, ctx.iterations * 50))
    started = time.perf_counter()
    done = due_steps_run(limit=work)
    elapsed = time.perf_counter() - started
    if not _on_postgres():
        return {"steps_processed": done, "steps_per_s": round(done / elapsed, 1), "database": connection.vendor}
    # floor: the same state change set-based — close `work` due rows and insert their next steps
    floor_journey = _journey(f"bench tick floor {n}", steps)
    journey_enter(journey=floor_journey, customer_ids=ids)
    table = DueStep._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH due AS (SELECT d.id, d.enrollment_id FROM {table} d JOIN journeys_enrollment e "
            "ON e.id = d.enrollment_id WHERE e.journey_id = %s AND d.status = 'pending' ORDER BY d.due_at, d.id "
            "LIMIT %s FOR UPDATE SKIP LOCKED), closed AS (UPDATE "
            f"{table} t SET status = 'done', outcome = 'no', done_at = now() FROM due WHERE t.id = due.id "
            "RETURNING due.enrollment_id) "
            f"INSERT INTO {table} (enrollment_id, seq, step_key, due_at, status, outcome, detail) "
            "SELECT enrollment_id, 2, 'w2', now(), 'pending', '', '' FROM closed",
            [floor_journey.pk, work],
        )
    floor_s = time.perf_counter() - started
    return {
        "customers_inside": n,
        "steps_processed": done,
        "seconds": round(elapsed, 2),
        "steps_per_s": round(done / elapsed, 1) if elapsed else None,
        "floor_raw_sql_steps_per_s": round(work / floor_s, 1) if floor_s else None,
        "aim_steps_per_s": 2000,
        "database": connection.vendor,
    }
