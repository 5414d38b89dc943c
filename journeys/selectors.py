"""Reads of the journeys app: lists, per-step figures, the dry run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from customers.models import Activity, ConsentState, Customer, Segment, SegmentMembership

from .models import DueStep, Enrollment, Journey, Lead, LeadEvent, LeadScript
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


# --- leads ------------------------------------------------------------------------------------


def leads_for_user(user, *, mine_only: bool = False, status: str = "") -> QuerySet[Lead]:
    """The lead queue a user may see, best first (score, then oldest): a consultant's own and
    their stores' unassigned ones; every lead for Manager/Marketing."""
    from channels.selectors import stores_for_user
    from o2o_site.roles import Role, has_role

    qs = Lead.objects.select_related("customer", "store", "consultant")
    if not has_role(user, Role.MANAGER, Role.MARKETING):
        store_ids = [s.pk for s in stores_for_user(user)] if has_role(user, Role.CONSULTANT) else []
        qs = qs.filter(store_id__in=store_ids)
        qs = qs.filter(consultant=user) if mine_only else qs.filter(Q(consultant=user) | Q(consultant__isnull=True))
    qs = qs.filter(status=status) if status else qs.filter(status__in=Lead.OPEN)
    return qs.order_by("-score", "created_at", "pk")


def lead_get_for_user(user, lead_id: int) -> Lead | None:
    from .services import lead_visible_to

    lead = Lead.objects.select_related("customer", "store", "consultant", "journey").filter(pk=lead_id).first()
    return lead if lead is not None and lead_visible_to(lead, user) else None


def lead_script_for(lead: Lead) -> LeadScript | None:
    """The script whose interest words appear in the lead's interest, else one for a segment the
    customer is in, else the general one."""
    scripts = list(LeadScript.objects.filter(is_active=True).order_by("pk"))
    interest = (lead.interest or "").lower()
    for script in scripts:
        if script.interest and script.interest.lower() in interest:
            return script
    segment_ids = set(
        SegmentMembership.objects.filter(customer_id=lead.customer_id, left_at__isnull=True).values_list(
            "segment_id", flat=True
        )
    )
    for script in scripts:
        if script.segment_id and script.segment_id in segment_ids:
            return script
    return next((s for s in scripts if not s.interest and not s.segment_id), None)


def store_expected_visits(store_ids, *, since=None, days: int = 7) -> QuerySet[Lead]:
    """Appointments booked at these stores from `since` for `days` days: the visits they expect."""
    since = since or timezone.now() - timedelta(hours=2)
    return (
        Lead.objects.filter(
            store_id__in=list(store_ids),
            status=Lead.Status.APPOINTMENT,
            appointment_at__gte=since,
            appointment_at__lt=since + timedelta(days=days),
        )
        .select_related("customer", "store", "consultant")
        .order_by("appointment_at")
    )


@dataclass
class LeadFunnelRow:
    label: str
    clicks: int = 0
    leads: int = 0
    contacted: int = 0
    appointments: int = 0
    visits: int = 0
    purchases: int = 0
    sla_breaches: int = 0
    avg_minutes_to_contact: float | None = None


def leads_report(*, start, end, by: str = "consultant") -> list[LeadFunnelRow]:
    """click → lead → appointment → visit → purchase per consultant (or store) for leads opened in
    [start, end); time to first contact; SLA breaches. One query per figure, whatever the size."""
    from django.db.models import Avg, DurationField, ExpressionWrapper, F

    key = "consultant" if by == "consultant" else "store"
    leads = Lead.objects.filter(created_at__gte=start, created_at__lt=end)
    activity = Activity.objects.filter(customer_id=OuterRef("customer_id"), occurred_at__gte=OuterRef("created_at"))
    clicked_before = Activity.objects.filter(
        customer_id=OuterRef("customer_id"),
        kind__in=[Activity.Kind.AD_CLICK, Activity.Kind.LINK_CLICK],
        occurred_at__lte=OuterRef("created_at"),
        occurred_at__gte=OuterRef("created_at") - timedelta(days=30),
    )
    rows = (
        leads.annotate(
            clicked=Exists(clicked_before),
            visited=Exists(activity.filter(kind=Activity.Kind.CHECKIN)),
            bought=Exists(activity.filter(kind=Activity.Kind.ORDER)),
            breached=Exists(LeadEvent.objects.filter(lead_id=OuterRef("pk"), kind="sla_breach")),
        )
        .values(key)
        .annotate(
            n=Count("pk"),
            clicks=Count("pk", filter=Q(clicked=True)),
            contacted=Count("pk", filter=Q(first_contact_at__isnull=False)),
            appointments=Count("pk", filter=Q(appointment_at__isnull=False)),
            visits=Count("pk", filter=Q(visited=True)),
            purchases=Count("pk", filter=Q(bought=True)),
            breaches=Count("pk", filter=Q(breached=True)),
            to_contact=Avg(
                ExpressionWrapper(F("first_contact_at") - F("created_at"), output_field=DurationField()),
                filter=Q(first_contact_at__isnull=False),
            ),
        )
        .order_by(key)
    )
    from django.contrib.auth import get_user_model

    from channels.models import Store

    ids = [r[key] for r in rows if r[key]]
    names = (
        {u.pk: u.get_full_name() or u.get_username() for u in get_user_model().objects.filter(pk__in=ids)}
        if key == "consultant"
        else dict(Store.objects.filter(pk__in=ids).values_list("pk", "name"))
    )
    out = []
    for r in rows:
        minutes = r["to_contact"].total_seconds() / 60 if r["to_contact"] is not None else None
        out.append(
            LeadFunnelRow(
                label=names.get(r[key], "") or "—",
                clicks=r["clicks"],
                leads=r["n"],
                contacted=r["contacted"],
                appointments=r["appointments"],
                visits=r["visits"],
                purchases=r["purchases"],
                sla_breaches=r["breaches"],
                avg_minutes_to_contact=round(minutes, 1) if minutes is not None else None,
            )
        )
    return out
