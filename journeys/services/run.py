"""Running journeys: the tick that performs due steps, and the goal sweep.

`due_steps_run` claims due rows with `SELECT … FOR UPDATE SKIP LOCKED` (two workers never take
the same row), performs each step in a savepoint and marks it done in the same transaction as
its effects — a message row, a voucher, the next step — so a step runs at most once even when a
worker is killed (the transaction rolls back and the row is due again) or retried. Messages are
also idempotent on `journey:<enrollment>:<seq>`.

Rules that hold across every journey are checked at each send, not only at entry: consent
(`customer_can_contact` inside `message_send`), at most N marketing messages per customer in
any 7 days, and quiet hours (a send due at night waits for the morning).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.models import Activity, ConsentState, Message, Segment, SegmentMembership
from customers.services import ConsentRequired, message_send, segment_sync_members
from o2o_site.api import DomainError
from promotions.services import voucher_issue
from reports.models import CustomerScore

from .. import conf, sql
from ..models import DueStep, Enrollment, Journey, JourneyVersion
from .entry import enrollments_exit

logger = logging.getLogger(__name__)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
HOLDOUT_DAYS = 30


@dataclass
class Outcome:
    outcome: str
    next_key: str | None = None
    next_due: datetime | None = None
    detail: str = ""
    message_id: int | None = None
    defer_until: datetime | None = None  # not done: run again at this time (quiet hours)
    finish: str = ""  # the stay ends here with this reason


def quiet_until(now: datetime) -> datetime | None:
    """The end of the quiet hours `now` falls in (local time), or None when sending is allowed."""
    local = now.astimezone(LOCAL)
    start, end = conf.quiet_start_hour(), conf.quiet_end_hour()
    hour = local.hour
    in_quiet = (hour >= start or hour < end) if start > end else (start <= hour < end)
    if not in_quiet:
        return None
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if hour >= end and start > end:
        morning += timedelta(days=1)
    return morning


def _wait_until(step: dict, now: datetime) -> datetime:
    if step.get("until_time"):
        hour, minute = (int(part) for part in str(step["until_time"]).split(":"))
        local = now.astimezone(LOCAL)
        target = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        weekday = step.get("until_weekday")
        if weekday not in (None, ""):
            target += timedelta(days=(int(weekday) - local.weekday()) % 7)
            if target <= local:
                target += timedelta(days=7)
        elif target <= local:
            target += timedelta(days=1)
        return target
    return now + timedelta(
        days=int(step.get("days") or 0), hours=int(step.get("hours") or 0), minutes=int(step.get("minutes") or 0)
    )


def _marketing_sent_recently(customer_id: int, now: datetime) -> int:
    return (
        Message.objects.filter(customer_id=customer_id, purpose="marketing", created_at__gte=now - timedelta(days=7))
        .exclude(status__in=[Message.Status.FAILED, Message.Status.NOT_CONFIGURED])
        .count()
    )


def _run_send(row: DueStep, enrollment: Enrollment, step: dict, now: datetime) -> Outcome:
    later = quiet_until(now)
    if later is not None:
        return Outcome("deferred", defer_until=later)
    purpose = step.get("purpose") or "marketing"
    if (
        purpose == "marketing"
        and _marketing_sent_recently(enrollment.customer_id, now) >= conf.max_marketing_per_week()
    ):
        return Outcome("capped", next_key=step.get("next"), detail="frequency cap")
    body = step.get("body") or ""
    if step.get("link"):
        body = f"{body} {step['link']}".strip()
    try:
        message = message_send(
            customer=enrollment.customer,
            channel=step["channel"],
            purpose=purpose,
            body=body,
            template_id=step.get("template_id") or "",
            params={"journey": enrollment.journey_id, "step": step["key"]},
            idempotency_key=f"journey:{enrollment.pk}:{row.seq}",
            fallback_channel=step.get("fallback_channel") or "",
            ref_type="journey",
            ref_id=str(enrollment.journey_id),
        )
    except ConsentRequired:
        withdrawn = ConsentState.objects.filter(
            customer_id=enrollment.customer_id, purpose=purpose, channel=step["channel"], granted=False
        ).exists()
        if withdrawn and purpose == "marketing":
            return Outcome("no_consent", finish="opted_out")
        return Outcome("no_consent", next_key=step.get("next"))
    except DomainError as exc:
        return Outcome("failed", next_key=step.get("next"), detail=str(exc.message)[:300])
    Enrollment.objects.filter(pk=enrollment.pk).update(last_send_at=now)
    return Outcome("sent", next_key=step.get("next"), message_id=message.pk)


def _conditions_met(enrollment_ids: list[int], step: dict, now: datetime) -> set[int]:
    """The stays (of `enrollment_ids`) for which the branch condition holds: one query.

    The window is the last `window_hours` when set, else everything since the stay's last send
    (or its entry): "did they click the link we sent?".
    """
    stays = Enrollment.objects.filter(pk__in=enrollment_ids)
    hours = int(step.get("window_hours") or 0)
    since = now - timedelta(hours=hours) if hours else Coalesce(OuterRef("last_send_at"), OuterRef("entered_at"))
    condition = step.get("condition")
    kinds = {"clicked": Activity.Kind.LINK_CLICK, "visited": Activity.Kind.CHECKIN, "bought": Activity.Kind.ORDER}
    if condition in kinds:
        happened = Activity.objects.filter(
            customer_id=OuterRef("customer_id"), kind=kinds[condition], occurred_at__gte=since, occurred_at__lte=now
        )
    elif condition == "lead_score_above":
        happened = CustomerScore.objects.filter(
            customer_id=OuterRef("customer_id"), lead_score__gt=int(step.get("value") or 0)
        )
    elif condition == "in_segment":
        happened = SegmentMembership.objects.filter(
            segment_id=int(step.get("value") or 0), customer_id=OuterRef("customer_id"), left_at__isnull=True
        )
    else:
        return set()
    return set(stays.filter(Exists(happened)).values_list("pk", flat=True))


def _run_step(row: DueStep, enrollment: Enrollment, step: dict, now: datetime) -> Outcome:
    kind = step.get("type")
    nxt = step.get("next")
    if kind == "send":
        return _run_send(row, enrollment, step, now)
    if kind == "wait":
        return Outcome("waited", next_key=nxt, next_due=_wait_until(step, now))
    if kind == "branch":
        met = enrollment.pk in _conditions_met([enrollment.pk], step, now)
        return Outcome("yes" if met else "no", next_key=step.get("yes") if met else step.get("no"))
    if kind == "voucher":
        try:
            voucher = voucher_issue(
                customer=enrollment.customer,
                discount_type=step["discount_type"],
                discount_value=int(step["discount_value"]),
                store_only=True,
                valid_days=int(step.get("valid_days") or 14),
                source=f"journey:{enrollment.journey_id}",
            )
        except DomainError as exc:
            return Outcome("failed", next_key=nxt, detail=str(exc.message)[:300])
        return Outcome("issued", next_key=nxt, detail=voucher.code)
    if kind == "tag":
        segment = Segment.objects.filter(pk=int(step.get("segment") or 0)).first()
        if segment is None:
            return Outcome("failed", next_key=nxt, detail="segment missing")
        members = [enrollment.customer_id] if step.get("action") == "add" else []
        segment_sync_members(segment=segment, customer_ids=members, scope=[enrollment.customer_id], at=now)
        return Outcome("tagged", next_key=nxt)
    if kind == "assign":
        from .leads import lead_open

        lead = lead_open(
            customer=enrollment.customer,
            source="journey",
            journey=enrollment.journey,
            interest=step.get("interest", ""),
        )
        return Outcome("assigned", next_key=nxt, detail=f"lead {lead.pk}")
    if kind == "end":
        return Outcome("ended", finish="gave_up")
    return Outcome("failed", detail=f"unknown step {kind}", finish="broken")


def _perform(row: DueStep, now: datetime) -> str:
    enrollment = row.enrollment
    if enrollment.status != Enrollment.Status.ACTIVE:
        DueStep.objects.filter(pk=row.pk).update(status=DueStep.Status.CANCELLED)
        return "cancelled"
    journey = enrollment.journey
    if journey.status == Journey.Status.ARCHIVED:
        enrollments_exit(enrollment_ids=[enrollment.pk], reason="journey_ended", now=now)
        return "cancelled"
    customer = enrollment.customer
    if customer.merged_into_id or customer.erased_at:
        enrollments_exit(enrollment_ids=[enrollment.pk], reason="erased" if customer.erased_at else "merged", now=now)
        return "cancelled"
    steps = {s["key"]: s for s in enrollment.version.steps}
    step = steps.get(row.step_key)
    result = _run_step(row, enrollment, step, now) if step else Outcome("failed", finish="broken")
    if result.defer_until is not None:
        DueStep.objects.filter(pk=row.pk).update(due_at=result.defer_until)
        return "deferred"
    DueStep.objects.filter(pk=row.pk).update(
        status=DueStep.Status.DONE,
        outcome=result.outcome,
        detail=result.detail[:300],
        message_id=result.message_id,
        done_at=now,
    )
    if result.finish == "opted_out":
        enrollments_exit(enrollment_ids=[enrollment.pk], reason="opted_out", now=now)
    elif result.finish or not result.next_key or result.next_key not in steps:
        Enrollment.objects.filter(pk=enrollment.pk, status=Enrollment.Status.ACTIVE).update(
            status=Enrollment.Status.FINISHED, ended_at=now, exit_reason=result.finish or "finished"
        )
    else:
        seq = enrollment.next_seq
        DueStep.objects.create(enrollment=enrollment, seq=seq, step_key=result.next_key, due_at=result.next_due or now)
        Enrollment.objects.filter(pk=enrollment.pk).update(next_seq=seq + 1)
    return result.outcome


# Steps that touch no gateway and no other app's rows run set-based for a whole batch.
SET_BASED = ("wait", "branch", "end")


@dataclass(frozen=True)
class Claimed:
    """A due row as the tick claims it: only the columns the sorting and set-based steps need
    (building four model instances per row was a fifth of the batch's time)."""

    pk: int
    enrollment_id: int
    step_key: str
    enrollment_status: str
    next_seq: int
    version_id: int
    journey_status: str
    merged: bool
    erased: bool


CLAIM_FIELDS = (
    "pk",
    "enrollment_id",
    "step_key",
    "enrollment__status",
    "enrollment__next_seq",
    "enrollment__version_id",
    "enrollment__journey__status",
    "enrollment__customer__merged_into_id",
    "enrollment__customer__erased_at",
)


def _perform_set_based(rows: list[Claimed], versions: dict[int, dict[str, dict]], now: datetime) -> None:
    """Performs a batch of wait/branch/end rows (all active, live customers) in a fixed number
    of statements: one condition query per branch step, one UPDATE per outcome, one INSERT of
    the next steps, one UPDATE of the stays."""
    outcomes: dict[str, list[int]] = {}
    finished: dict[str, list[int]] = {}
    following: list[tuple[int, int, str, datetime]] = []
    groups: dict[tuple[int, str], list[Claimed]] = {}
    for row in rows:
        groups.setdefault((row.version_id, row.step_key), []).append(row)
    for (version_id, key), members in groups.items():
        step = versions[version_id][key]
        kind = step["type"]
        met = _conditions_met([r.enrollment_id for r in members], step, now) if kind == "branch" else set()
        due = _wait_until(step, now) if kind == "wait" else now
        for row in members:
            if kind == "end":
                outcomes.setdefault("ended", []).append(row.pk)
                finished.setdefault("gave_up", []).append(row.enrollment_id)
                continue
            if kind == "branch":
                outcome, nxt = ("yes", step.get("yes")) if row.enrollment_id in met else ("no", step.get("no"))
            else:
                outcome, nxt = "waited", step.get("next")
            outcomes.setdefault(outcome, []).append(row.pk)
            if nxt:
                following.append((row.enrollment_id, row.next_seq, nxt, due))
            else:
                finished.setdefault("finished", []).append(row.enrollment_id)
    for outcome, ids in outcomes.items():
        DueStep.objects.filter(pk__in=ids).update(status=DueStep.Status.DONE, outcome=outcome, done_at=now)
    for reason, ids in finished.items():
        Enrollment.objects.filter(pk__in=ids, status=Enrollment.Status.ACTIVE).update(
            status=Enrollment.Status.FINISHED, ended_at=now, exit_reason=reason
        )
    if following:
        sql.due_steps_insert(following)
        Enrollment.objects.filter(pk__in=[f[0] for f in following]).update(next_seq=F("next_seq") + 1)


def _perform_batch(rows: list[Claimed], now: datetime) -> None:
    """Sorts a claimed batch: stays that ended or whose customer is gone are closed in bulk,
    wait/branch/end steps run set-based, the rest (sends, vouchers, tags, leads) one by one,
    each in its own savepoint so one failing step never undoes the others."""
    versions = {
        pk: {s["key"]: s for s in steps if isinstance(s, dict) and "key" in s}
        for pk, steps in JourneyVersion.objects.filter(pk__in={r.version_id for r in rows}).values_list("pk", "steps")
    }
    cancelled, gone, one_by_one, set_based = [], {}, [], []
    for row in rows:
        if row.enrollment_status != Enrollment.Status.ACTIVE:
            cancelled.append(row.pk)
        elif row.journey_status == Journey.Status.ARCHIVED:
            gone.setdefault("journey_ended", []).append(row.enrollment_id)
        elif row.merged or row.erased:
            gone.setdefault("erased" if row.erased else "merged", []).append(row.enrollment_id)
        elif versions.get(row.version_id, {}).get(row.step_key, {}).get("type") in SET_BASED:
            set_based.append(row)
        else:
            one_by_one.append(row.pk)
    if cancelled:
        DueStep.objects.filter(pk__in=cancelled).update(status=DueStep.Status.CANCELLED)
    for reason, ids in gone.items():
        enrollments_exit(enrollment_ids=ids, reason=reason, now=now)
    if set_based:
        try:
            with transaction.atomic():
                _perform_set_based(set_based, versions, now)
        except Exception:  # fall back to one by one, so one bad row is isolated and logged
            logger.exception("journeys: set-based batch failed; performing its steps one by one")
            one_by_one.extend(r.pk for r in set_based)
    full = DueStep.objects.select_related("enrollment__journey", "enrollment__version", "enrollment__customer")
    for row in full.filter(pk__in=one_by_one).order_by("due_at", "pk") if one_by_one else []:
        try:
            with transaction.atomic():
                _perform(row, now)
        except Exception:  # one broken step must not stop every other customer's journey
            logger.exception("journeys: step %s of enrollment %s failed", row.pk, row.enrollment_id)
            DueStep.objects.filter(pk=row.pk).update(
                status=DueStep.Status.DONE, outcome="failed", detail="error", done_at=now
            )


def due_steps_run(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Performs the steps due by `now` (live journeys only); answers how many were performed.

    Steps that follow at once (a branch after a wait, a send after a branch) run in the same
    call. Each batch is one transaction over rows claimed with FOR UPDATE SKIP LOCKED, so two
    workers never take the same row and a killed worker's batch is simply due again.
    """
    now = now or timezone.now()
    limit = limit or conf.tick_batch_size() * 20
    batch = conf.tick_batch_size()
    done = 0
    while done < limit:
        with transaction.atomic():
            rows = [
                Claimed(pk, eid, key, status, seq, vid, jstatus, merged is not None, erased is not None)
                for pk, eid, key, status, seq, vid, jstatus, merged, erased in DueStep.objects.select_for_update(
                    skip_locked=True, of=("self",)
                )
                .filter(
                    status=DueStep.Status.PENDING,
                    due_at__lte=now,
                    enrollment__journey__status__in=[Journey.Status.LIVE, Journey.Status.ARCHIVED],
                )
                .order_by("due_at", "pk")
                .values_list(*CLAIM_FIELDS)[: min(batch, limit - done)]
            ]
            if not rows:
                break
            _perform_batch(rows, now)
            done += len(rows)
    return done


def enrollments_convert(*, now: datetime | None = None) -> int:
    """Marks the stays whose journey goal was met since entry (set-based, per journey), holdouts too.

    Converted stays leave the journey (their pending steps are cancelled); a holdout's conversion
    is what the journey's lift is measured against.
    """
    now = now or timezone.now()
    converted = 0
    for journey in Journey.objects.exclude(goal_kind=Journey.Goal.NONE).exclude(status=Journey.Status.DRAFT):
        goal = Q(customer_id=OuterRef("customer_id"), occurred_at__gte=OuterRef("entered_at"), occurred_at__lte=now)
        if journey.goal_kind == Journey.Goal.VISIT:
            goal &= Q(kind=Activity.Kind.CHECKIN)
        elif journey.goal_kind == Journey.Goal.PURCHASE:
            goal &= Q(kind=Activity.Kind.ORDER)
        else:
            goal &= Q(kind=Activity.Kind.ORDER, amount__gte=journey.goal_amount)
        open_stays = Enrollment.objects.filter(
            journey=journey, status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.HOLDOUT]
        ).filter(Exists(Activity.objects.filter(goal)))
        ids = list(open_stays.values_list("pk", flat=True))
        if not ids:
            continue
        with transaction.atomic():
            converted += Enrollment.objects.filter(pk__in=ids).update(
                status=Enrollment.Status.CONVERTED, converted_at=now, ended_at=now, exit_reason="goal"
            )
            DueStep.objects.filter(enrollment_id__in=ids, status=DueStep.Status.PENDING).update(
                status=DueStep.Status.CANCELLED
            )
    Enrollment.objects.filter(
        status=Enrollment.Status.HOLDOUT, entered_at__lt=now - timedelta(days=HOLDOUT_DAYS)
    ).update(status=Enrollment.Status.FINISHED, ended_at=now, exit_reason="holdout_window")
    return converted


def journeys_tick(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: goals first (a converted customer gets nothing more), then due steps."""
    now = now or timezone.now()
    archived = list(
        Enrollment.objects.filter(
            journey__status=Journey.Status.ARCHIVED, status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.HOLDOUT]
        ).values_list("pk", flat=True)
    )
    if archived:
        enrollments_exit(enrollment_ids=archived, reason="journey_ended", now=now)
    converted = enrollments_convert(now=now)
    from .leads import leads_convert, leads_reassign_overdue

    leads = {"leads_converted": leads_convert(now=now), "leads_reassigned": leads_reassign_overdue(now=now)}
    return {"converted": converted, "steps": due_steps_run(now=now), **leads}
