"""Who enters a journey: from a segment, from an event on the timeline, or a chosen list.

Every way in goes through `journey_enter`, which applies the rules that hold across journeys:
live profiles only, one open stay per customer and journey (a database constraint), re-entry
only where the journey allows it and after its cool-down, a customer inside a journey of higher
priority does not enter, and entering one of higher priority takes the customer out of the
lower ones. A holdout share (chosen by a stable hash of customer and journey) enters without
receiving anything, so the journey's lift can be measured.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from customers.models import Activity, Customer, SegmentMembership

from .. import sql
from ..models import DueStep, Enrollment, Journey

CHUNK = 5000


def is_holdout(*, journey_id: int, customer_id: int, percent: int) -> bool:
    """Stable pseudo-random assignment: the same customer and journey always land the same way."""
    if percent <= 0:
        return False
    return (customer_id * 2654435761 + journey_id * 40503) % 100 < percent


def _cancel_pending(enrollment_ids: Iterable[int]) -> None:
    ids = list(enrollment_ids)
    for start in range(0, len(ids), CHUNK):
        DueStep.objects.filter(enrollment_id__in=ids[start : start + CHUNK], status=DueStep.Status.PENDING).update(
            status=DueStep.Status.CANCELLED
        )


def enrollments_exit(*, enrollment_ids: Iterable[int], reason: str, now: datetime | None = None) -> int:
    """Takes these open stays out (reason recorded) and cancels their pending steps."""
    now = now or timezone.now()
    ids = list(enrollment_ids)
    changed = 0
    for start in range(0, len(ids), CHUNK):
        changed += Enrollment.objects.filter(
            pk__in=ids[start : start + CHUNK], status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.HOLDOUT]
        ).update(status=Enrollment.Status.EXITED, ended_at=now, exit_reason=reason[:30])
    _cancel_pending(ids)
    return changed


def journey_enter(*, journey: Journey, customer_ids: Iterable[int], now: datetime | None = None) -> int:
    """Enters these customers into a live journey; answers how many entered (holdout included)."""
    now = now or timezone.now()
    wanted = sorted({int(i) for i in customer_ids})
    if not wanted:
        return 0
    with transaction.atomic():
        locked = (
            Journey.objects.select_for_update(of=("self",))
            .filter(pk=journey.pk)
            .select_related("current_version")
            .first()
        )
        if locked is None or locked.status != Journey.Status.LIVE or locked.current_version is None:
            return 0
        version = locked.current_version
        candidates: set[int] = set()
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            candidates.update(
                Customer.objects.filter(pk__in=chunk, merged_into__isnull=True, erased_at__isnull=True).values_list(
                    "pk", flat=True
                )
            )
        if not candidates:
            return 0
        ids = sorted(candidates)
        barred: set[int] = set()
        higher = list(
            Journey.objects.filter(status=Journey.Status.LIVE, priority__gt=locked.priority).values_list(
                "pk", flat=True
            )
        )
        lower_open: list[int] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            previous = Enrollment.objects.filter(journey=locked, customer_id__in=chunk)
            if locked.allow_reentry:
                cool_since = now - timedelta(days=locked.reentry_cooldown_days)
                previous = (
                    previous.filter(status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.HOLDOUT])
                    | previous.filter(ended_at__gte=cool_since)
                    | previous.filter(entered_at__gte=cool_since)
                )
            barred.update(previous.values_list("customer_id", flat=True))
            if higher:
                barred.update(
                    Enrollment.objects.filter(
                        journey_id__in=higher,
                        customer_id__in=chunk,
                        status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.HOLDOUT],
                    ).values_list("customer_id", flat=True)
                )
        entering = [cid for cid in ids if cid not in barred]
        if not entering:
            return 0
        for start in range(0, len(entering), CHUNK):
            chunk = entering[start : start + CHUNK]
            lower_open.extend(
                Enrollment.objects.filter(
                    customer_id__in=chunk,
                    status=Enrollment.Status.ACTIVE,
                    journey__priority__lt=locked.priority,
                ).values_list("pk", flat=True)
            )
        if lower_open:
            enrollments_exit(enrollment_ids=lower_open, reason="higher_priority", now=now)
        rows = [
            Enrollment(
                journey=locked,
                version=version,
                customer_id=cid,
                entered_at=now,
                last_send_at=None,
                is_holdout=(
                    holdout := is_holdout(journey_id=locked.pk, customer_id=cid, percent=locked.holdout_percent)
                ),
                status=Enrollment.Status.HOLDOUT if holdout else Enrollment.Status.ACTIVE,
            )
            for cid in entering
        ]
        Enrollment.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        sql.first_steps_schedule(journey_id=locked.pk, first_key=version.steps[0]["key"], now=now)
    return len(entering)


def journeys_enter_from_segments(*, now: datetime | None = None) -> int:
    """Enters the current members of each live segment-entry journey's segment."""
    entered = 0
    for journey in Journey.objects.filter(
        status=Journey.Status.LIVE, entry_kind=Journey.Entry.SEGMENT, entry_segment__isnull=False
    ):
        members = SegmentMembership.objects.filter(segment_id=journey.entry_segment_id, left_at__isnull=True)
        entered += journey_enter(journey=journey, customer_ids=members.values_list("customer_id", flat=True), now=now)
    return entered


def journeys_enter_from_events(*, now: datetime | None = None, limit: int = CHUNK) -> int:
    """Enters the customers of timeline events newer than each event journey's watermark."""
    entered = 0
    for journey in Journey.objects.filter(status=Journey.Status.LIVE, entry_kind=Journey.Entry.EVENT):
        rows = list(
            Activity.objects.filter(pk__gt=journey.entry_watermark, kind=journey.entry_event)
            .order_by("pk")
            .values_list("pk", "customer_id")[:limit]
        )
        if not rows:
            continue
        entered += journey_enter(journey=journey, customer_ids=[cid for _pk, cid in rows], now=now)
        Journey.objects.filter(pk=journey.pk, entry_watermark__lt=rows[-1][0]).update(entry_watermark=rows[-1][0])
    return entered


def event_watermark_now() -> int:
    """Where a newly published event journey starts reading: events from now on, not history."""
    return Activity.objects.aggregate(top=Max("pk"))["top"] or 0
