"""Leads handed to the right consultant (seed 003: "phân bổ khách hàng … dựa vào … mức độ quan tâm").

A lead opens for a customer (a journey's assign step, a lead form, by hand) at their preferred
store — else the store of their last visit — and goes to one of that store's consultants: the
one with the fewest open leads, the least recently given one on a tie (round-robin weighted by
load). The first contact is due within the SLA counted in working hours; a lead not contacted in
time goes to another consultant of the store. A store visit or a purchase after the lead opened
closes it as converted ("show to buy").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import Store
from channels.selectors import stores_for_user
from customers.models import Activity, Customer
from customers.services import record_activity
from o2o_site.api import DomainError, NotFound
from o2o_site.roles import Role, has_role

from .. import conf
from ..models import Journey, Lead, LeadEvent

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def working_deadline(start: datetime, minutes: int) -> datetime:
    """`start` plus `minutes` of working time (every day, conf's hours, Asia/Ho_Chi_Minh)."""
    open_hour, close_hour = conf.work_start_hour(), conf.work_end_hour()
    at = start.astimezone(LOCAL)
    left = timedelta(minutes=minutes)
    for _day in range(30):
        day_open = at.replace(hour=open_hour, minute=0, second=0, microsecond=0)
        day_close = at.replace(hour=close_hour, minute=0, second=0, microsecond=0)
        if at < day_open:
            at = day_open
        if at >= day_close:
            at = day_open + timedelta(days=1)
            continue
        if at + left <= day_close:
            return at + left
        left -= day_close - at
        at = day_open + timedelta(days=1)
    return at + left


def _store_for(customer: Customer) -> Store | None:
    codes = [customer.preferred_store_code] if customer.preferred_store_code else []
    last_visit = (
        Activity.objects.filter(customer=customer, kind=Activity.Kind.CHECKIN)
        .exclude(store_code="")
        .order_by("-occurred_at")
        .values_list("store_code", flat=True)
        .first()
    )
    if last_visit:
        codes.append(last_visit)
    for code in codes:
        store = Store.objects.filter(code=code, is_active=True, is_warehouse=False).first()
        if store:
            return store
    return None


def _consultants(store: Store, *, exclude=()) -> list:
    skip = [u.pk for u in exclude if u is not None]
    users = get_user_model().objects.filter(is_active=True, groups__name=Role.CONSULTANT.value, stores=store)
    return list(users.exclude(pk__in=skip).distinct().order_by("pk"))


def _pick(store: Store, *, exclude=()):
    """The store's consultant with the fewest open leads; the least recently given one on a tie."""
    candidates = _consultants(store, exclude=exclude)
    if not candidates:
        return None
    ids = [u.pk for u in candidates]
    load = dict(
        Lead.objects.filter(consultant_id__in=ids, status__in=Lead.OPEN)
        .values_list("consultant_id")
        .annotate(n=Count("pk"))
        .values_list("consultant_id", "n")
    )
    last = dict(
        Lead.objects.filter(consultant_id__in=ids)
        .values_list("consultant_id")
        .annotate(at=Max("assigned_at"))
        .values_list("consultant_id", "at")
    )
    epoch = datetime(1970, 1, 1, tzinfo=LOCAL)
    return min(candidates, key=lambda u: (load.get(u.pk, 0), last.get(u.pk) or epoch, u.pk))


def _event(lead: Lead, kind: str, *, consultant=None, detail: str = "", at: datetime) -> None:
    LeadEvent.objects.create(lead=lead, kind=kind, consultant=consultant, detail=detail[:300], at=at)


def lead_assign(*, lead: Lead, now: datetime | None = None, exclude=()) -> Lead:
    """Gives the lead to a consultant of its store (or leaves it in the store's queue when none)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Lead.objects.select_for_update(of=("self",)).filter(pk=lead.pk).select_related("store").first()
        if locked is None or locked.status not in Lead.OPEN:
            return locked or lead
        consultant = _pick(locked.store, exclude=exclude) if locked.store else None
        if consultant is None:
            return locked
        previous = locked.consultant
        locked.consultant = consultant
        locked.status = Lead.Status.ASSIGNED if locked.first_contact_at is None else locked.status
        locked.assigned_at = now
        locked.contact_due_at = (
            working_deadline(now, conf.lead_sla_minutes()) if locked.first_contact_at is None else None
        )
        locked.save(update_fields=["consultant", "status", "assigned_at", "contact_due_at"])
        _event(
            locked,
            "reassigned" if previous else "assigned",
            consultant=consultant,
            detail=previous.get_username() if previous else "",
            at=now,
        )
    return locked


def lead_open(
    *,
    customer: Customer,
    store: Store | None = None,
    interest: str = "",
    source: str = "",
    journey: Journey | None = None,
    campaign_id: int | None = None,
    now: datetime | None = None,
) -> Lead:
    """Opens (or refreshes) the customer's lead and assigns it. One open lead per customer."""
    now = now or timezone.now()
    if customer.merged_into_id or customer.erased_at:
        raise DomainError(_("Khách hàng đã gộp hoặc đã xoá dữ liệu."), code="customer_gone", status_code=409)
    existing = Lead.objects.filter(customer=customer, status__in=Lead.OPEN).first()
    if existing:
        if interest and interest not in existing.interest:
            Lead.objects.filter(pk=existing.pk).update(interest=f"{existing.interest}; {interest}".strip("; ")[:200])
        return existing
    try:
        with transaction.atomic():
            lead = Lead.objects.create(
                customer=customer,
                store=store or _store_for(customer),
                status=Lead.Status.NEW,
                score=customer.lead_score,
                interest=interest[:200],
                source=source[:50],
                journey=journey,
                campaign_id=campaign_id,
                created_at=now,
            )
    except IntegrityError:  # another request opened it at the same moment
        return Lead.objects.get(customer=customer, status__in=Lead.OPEN)
    return lead_assign(lead=lead, now=now)


def lead_visible_to(lead: Lead, user) -> bool:
    """Managers and marketing see every lead; a consultant only those of their stores."""
    if has_role(user, Role.MANAGER, Role.MARKETING):
        return True
    if not has_role(user, Role.CONSULTANT):
        return False
    return lead.store_id is not None and lead.store_id in {s.pk for s in stores_for_user(user)}


def lead_record_outcome(
    *,
    lead: Lead,
    user,
    outcome: str,
    appointment_at: datetime | None = None,
    follow_up_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Lead:
    """Records one contact attempt. Reached, an appointment or a refusal is the first contact (the
    SLA is met); no answer is not. An appointment needs a future date and becomes an expected
    visit at the lead's store; "not interested" and "wrong number" close the lead."""
    now = now or timezone.now()
    if not lead_visible_to(lead, user):
        raise NotFound(_("Không tìm thấy khách tiềm năng."))
    fields: dict[str, list[str]] = {}
    if outcome not in Lead.Outcome.values:
        fields["outcome"] = [_("Chọn kết quả cuộc liên hệ.")]
    if outcome == Lead.Outcome.APPOINTMENT and (appointment_at is None or appointment_at <= now):
        fields["appointment_at"] = [_("Ngày giờ hẹn phải ở tương lai.")]
    if follow_up_at is not None and follow_up_at <= now:
        fields["follow_up_at"] = [_("Giờ nhắc gọi lại phải ở tương lai.")]
    if len(note) > 2000:
        fields["note"] = [_("Ghi chú tối đa 2000 ký tự.")]
    if fields:
        raise DomainError(_("Kết quả liên hệ chưa hợp lệ."), code="invalid_outcome", status_code=400, fields=fields)
    with transaction.atomic():
        locked = Lead.objects.select_for_update(of=("self",)).filter(pk=lead.pk).select_related("store").first()
        if locked is None:
            raise NotFound(_("Không tìm thấy khách tiềm năng."))
        if locked.status not in Lead.OPEN:
            raise DomainError(
                _("Khách tiềm năng này đã đóng (%(status)s).") % {"status": locked.get_status_display()},
                code="lead_closed",
                status_code=409,
            )
        contacted = outcome != Lead.Outcome.NO_ANSWER
        if contacted and locked.first_contact_at is None:
            locked.first_contact_at = now
            locked.contact_due_at = None
        if locked.consultant_id is None and has_role(user, Role.CONSULTANT):
            locked.consultant = user
            locked.assigned_at = now
        status = {
            Lead.Outcome.REACHED: Lead.Status.CONTACTED,
            Lead.Outcome.APPOINTMENT: Lead.Status.APPOINTMENT,
            Lead.Outcome.NOT_INTERESTED: Lead.Status.LOST,
            Lead.Outcome.WRONG_NUMBER: Lead.Status.LOST,
        }.get(outcome)
        if status:
            locked.status = status
        if status == Lead.Status.LOST:
            locked.closed_at = now
        locked.last_outcome = outcome
        locked.appointment_at = appointment_at if outcome == Lead.Outcome.APPOINTMENT else locked.appointment_at
        locked.follow_up_at = follow_up_at
        if note:
            locked.note = f"{locked.note}\n{note}".strip()[:2000]
        locked.save()
        _event(locked, outcome, consultant=user, detail=note, at=now)
        if outcome == Lead.Outcome.APPOINTMENT:
            record_activity(
                customer=locked.customer,
                kind=Activity.Kind.INQUIRY,
                store_code=locked.store.code if locked.store else "",
                summary=_("Hẹn ghé cửa hàng lúc %(at)s")
                % {"at": appointment_at.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M")},
                ref_type="lead_appointment",
                ref_id=f"{locked.pk}:{appointment_at.isoformat()}",
                occurred_at=now,
            )
    return locked


def leads_reassign_overdue(*, now: datetime | None = None) -> int:
    """Leads whose first contact is past due go to another consultant of the store (SLA breach)."""
    now = now or timezone.now()
    overdue = list(
        Lead.objects.filter(status=Lead.Status.ASSIGNED, first_contact_at__isnull=True, contact_due_at__lt=now)
        .select_related("consultant", "store")
        .order_by("contact_due_at")[:500]
    )
    moved = 0
    for lead in overdue:
        _event(lead, "sla_breach", consultant=lead.consultant, at=now)
        Lead.objects.filter(pk=lead.pk).update(reassign_count=lead.reassign_count + 1)
        after = lead_assign(lead=lead, now=now, exclude=[lead.consultant])
        if after.consultant_id == lead.consultant_id:  # nobody else at the store: a new deadline, same person
            Lead.objects.filter(pk=lead.pk).update(contact_due_at=working_deadline(now, conf.lead_sla_minutes()))
        else:
            moved += 1
    return moved


def leads_convert(*, now: datetime | None = None) -> int:
    """Closes as converted every open lead whose customer visited a store or bought since it opened."""
    now = now or timezone.now()
    shown = Activity.objects.filter(
        customer_id=OuterRef("customer_id"),
        kind__in=[Activity.Kind.CHECKIN, Activity.Kind.ORDER],
        occurred_at__gte=OuterRef("created_at"),
        occurred_at__lte=now,
    )
    return (
        Lead.objects.filter(status__in=Lead.OPEN)
        .filter(Exists(shown))
        .update(status=Lead.Status.CONVERTED, closed_at=now, contact_due_at=None)
    )


def lead_take(*, lead: Lead, user, now: datetime | None = None) -> Lead:
    """A consultant of the lead's store takes it from the store's queue (first taker wins)."""
    now = now or timezone.now()
    if not lead_visible_to(lead, user) or not has_role(user, Role.CONSULTANT):
        raise NotFound(_("Không tìm thấy khách tiềm năng."))
    taken = Lead.objects.filter(pk=lead.pk, consultant__isnull=True, status__in=Lead.OPEN).update(
        consultant=user,
        status=Lead.Status.ASSIGNED,
        assigned_at=now,
        contact_due_at=working_deadline(now, conf.lead_sla_minutes()),
    )
    if not taken:
        raise DomainError(_("Khách này đã có người nhận."), code="lead_taken", status_code=409)
    lead.refresh_from_db()
    _event(lead, "taken", consultant=user, at=now)
    return lead
