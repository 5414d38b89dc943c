"""Reads of the journeys app: lists, per-step figures, the dry run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from customers.models import Activity, ConsentState, Customer, Segment, SegmentMembership

from .models import DueStep, Enrollment, Journey
from .steps import steps_describe

FAILED_OUTCOMES = ("failed", "no_consent", "capped")


def journey_list(*, status: str = "") -> QuerySet[Journey]:
    qs = Journey.objects.select_related("entry_segment", "current_version").annotate(
        inside=Count("enrollments", filter=Q(enrollments__status="active"))
    )
    return qs.filter(status=status) if status else qs


def journey_get(journey_id: int) -> Journey | None:
    return Journey.objects.select_related("entry_segment", "current_version").filter(pk=journey_id).first()


@dataclass
class JourneyStats:
    entered: int = 0
    active: int = 0
    holdout: int = 0
    converted: int = 0
    exited: int = 0
    finished: int = 0
    conversion_rate: float | None = None
    holdout_conversion_rate: float | None = None
    lift_points: float | None = None
    steps: list[dict] = field(default_factory=list)


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def journey_stats(journey: Journey) -> JourneyStats:
    """Figures for the live journey: per status, per step (entered, waiting, sent, failed,
    clicked, exited) and the goal's conversion against the holdout. A fixed number of queries."""
    stats = JourneyStats()
    groups = Enrollment.objects.filter(journey=journey).values("status", "is_holdout").annotate(n=Count("pk"))
    treated = held = treated_conv = held_conv = 0
    for row in groups:
        n, status = row["n"], row["status"]
        stats.entered += n
        if row["is_holdout"]:
            held += n
            held_conv += n if status == Enrollment.Status.CONVERTED else 0
        else:
            treated += n
            treated_conv += n if status == Enrollment.Status.CONVERTED else 0
        if status == Enrollment.Status.ACTIVE:
            stats.active += n
        elif status == Enrollment.Status.HOLDOUT:
            stats.holdout += n
        elif status == Enrollment.Status.CONVERTED:
            stats.converted += n
        elif status == Enrollment.Status.EXITED:
            stats.exited += n
        else:
            stats.finished += n
    stats.conversion_rate = _rate(treated_conv, treated)
    stats.holdout_conversion_rate = _rate(held_conv, held)
    if stats.conversion_rate is not None and stats.holdout_conversion_rate is not None:
        stats.lift_points = round(stats.conversion_rate - stats.holdout_conversion_rate, 1)
    per_step: dict[str, dict[str, int]] = {}
    rows = (
        DueStep.objects.filter(enrollment__journey=journey)
        .values("step_key", "status", "outcome")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        figures = per_step.setdefault(
            row["step_key"], {"reached": 0, "waiting": 0, "sent": 0, "failed": 0, "clicked": 0, "exited": 0}
        )
        figures["reached"] += row["n"]
        if row["status"] == DueStep.Status.PENDING:
            figures["waiting"] += row["n"]
        elif row["status"] == DueStep.Status.CANCELLED:
            figures["exited"] += row["n"]
        elif row["outcome"] == "sent":
            figures["sent"] += row["n"]
        elif row["outcome"] in FAILED_OUTCOMES:
            figures["failed"] += row["n"]
    clicks = (
        DueStep.objects.filter(enrollment__journey=journey, outcome="sent")
        .filter(
            Exists(
                Activity.objects.filter(
                    customer_id=OuterRef("enrollment__customer_id"),
                    kind=Activity.Kind.LINK_CLICK,
                    occurred_at__gte=OuterRef("done_at"),
                )
            )
        )
        .values("step_key")
        .annotate(n=Count("pk"))
    )
    for row in clicks:
        per_step.setdefault(row["step_key"], {}).update(clicked=row["n"])
    version_steps = journey.current_version.steps if journey.current_version else journey.steps
    stats.steps = [
        {**step, "figures": per_step.get(step.get("key"), {})} for step in steps_describe(version_steps or [])
    ]
    return stats


@dataclass
class DryRun:
    would_enter: int
    could_message: int
    lack_consent: int
    channel: str = ""


def journey_dry_run(journey: Journey, *, days: int = 30) -> DryRun:
    """Who would enter now (segment members, or the customers of the entry event in the last
    `days` days) and how many of them the first send step could reach with consent."""
    live = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    if journey.entry_kind == Journey.Entry.SEGMENT and journey.entry_segment_id:
        people = live.filter(
            Exists(
                SegmentMembership.objects.filter(
                    segment_id=journey.entry_segment_id, left_at__isnull=True, customer_id=OuterRef("pk")
                )
            )
        )
    elif journey.entry_kind == Journey.Entry.EVENT and journey.entry_event:
        since = timezone.now() - timedelta(days=days)
        people = live.filter(
            Exists(
                Activity.objects.filter(customer_id=OuterRef("pk"), kind=journey.entry_event, occurred_at__gte=since)
            )
        )
    else:
        return DryRun(0, 0, 0)
    total = people.count()
    send = next((s for s in journey.steps or [] if isinstance(s, dict) and s.get("type") == "send"), None)
    if send is None:
        return DryRun(total, 0, 0)
    channels = [c for c in (send.get("channel"), send.get("fallback_channel")) if c]
    purpose = send.get("purpose") or "marketing"
    if purpose == "marketing":
        reachable = Exists(
            ConsentState.objects.filter(customer_id=OuterRef("pk"), purpose=purpose, channel__in=channels, granted=True)
        )
    else:
        reachable = ~Exists(
            ConsentState.objects.filter(
                customer_id=OuterRef("pk"), purpose=purpose, channel__in=channels, granted=False
            )
        )
    could = people.filter(reachable).count()
    return DryRun(total, could, total - could, channel=send.get("channel") or "")


def segments_for_choice() -> list[Segment]:
    return list(Segment.objects.filter(is_active=True).order_by("name"))
