"""Support's writes: tickets and their life cycle, the history, calls, and the after-care loop.

Every public service owns its transaction. Status changes are conditional UPDATEs on the status
the caller saw (`WHERE status = <from>`), so two agents clicking at once cannot both move a
ticket; every change appends a TicketEvent. Side effects on customers (timeline, messages) and
promotions (voucher) go through those apps' services; messages leave after commit (customers'
message service writes the row first and sends in a task with retries).

Must not: write another app's models, send anything before the transaction commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from o2o_site.api import Conflict, DomainError, NotFound

from . import conf
from .models import AgentProfile, CallLog, Category, Department, Ticket, TicketEvent

logger = logging.getLogger(__name__)
User = get_user_model()

TICKET_REF = "support.ticket"
CALL_REF = "support.call"
_CONFIRM_SALT = "support.ticket.confirm"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class TicketInvalid(DomainError):
    code = "invalid"


# --- helpers -------------------------------------------------------------------------------


def _activity_channel(ticket_channel: str) -> str:
    return {"zalo": "zalo", "facebook": "facebook", "store": "store"}.get(ticket_channel, "")


def _event(
    ticket: Ticket, kind: str, *, author=None, body: str = "", data: dict | None = None, **fields
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, author=author, body=body, data=data or {}, created_at=timezone.now(), **fields
    )


def _timeline_ticket(ticket: Ticket) -> None:
    """Keeps the ticket's one line on the customer's timeline up to date (idempotent on the ref)."""
    from customers.services import record_activity

    record_activity(
        customer=ticket.customer,
        kind="ticket",
        occurred_at=ticket.created_at,
        channel=_activity_channel(ticket.channel),
        summary=_("Yêu cầu #%(number)s: %(subject)s (%(status)s)")
        % {"number": ticket.number, "subject": ticket.subject, "status": ticket.get_status_display()},
        ref_type=TICKET_REF,
        ref_id=str(ticket.pk),
        data={"status": ticket.status, "department": ticket.department.name, "category": ticket.category.name},
    )


def normalize_caller(raw: str) -> str:
    """E.164 for a caller id, or "" when it is not a phone number (withheld, garbage)."""
    from o2o_site.phones import normalize_phone

    try:
        result = normalize_phone(raw)
    except Exception as exc:  # the CTI sends what it has; a bad number must not lose the call
        logger.info("caller %r is not a phone number: %s", raw, exc)
        return ""
    return getattr(result, "e164", "") or ""


# --- departments and categories ------------------------------------------------------------


def department_create(
    *, code: str, name: str, response_minutes: int = 60, resolution_minutes: int = 1440, lead=None, members=()
) -> Department:
    if resolution_minutes <= 0 or response_minutes <= 0:
        raise DomainError(_("Thời hạn phải lớn hơn 0 phút."), fields={"resolution_minutes": [_("Phải lớn hơn 0.")]})
    with transaction.atomic():
        if Department.objects.filter(code=code).exists():
            raise Conflict(_("Mã bộ phận đã tồn tại."), code="duplicate", fields={"code": [_("Đã tồn tại.")]})
        department = Department.objects.create(
            code=code, name=name, response_minutes=response_minutes, resolution_minutes=resolution_minutes, lead=lead
        )
        if members:
            department.members.set(members)
    return department


def category_create(*, code: str, name: str, department: Department, resolution_minutes: int | None = None) -> Category:
    if resolution_minutes is not None and resolution_minutes <= 0:
        raise DomainError(_("Thời hạn phải lớn hơn 0 phút."), fields={"resolution_minutes": [_("Phải lớn hơn 0.")]})
    with transaction.atomic():
        if Category.objects.filter(code=code).exists():
            raise Conflict(_("Mã loại yêu cầu đã tồn tại."), code="duplicate", fields={"code": [_("Đã tồn tại.")]})
        return Category.objects.create(
            code=code, name=name, department=department, resolution_minutes=resolution_minutes
        )


# --- tickets -------------------------------------------------------------------------------


def ticket_create(
    *,
    customer,
    category: Category,
    subject: str,
    created_by=None,
    description: str = "",
    channel: str = Ticket.Channel.HOTLINE,
    priority: str = Ticket.Priority.NORMAL,
    order_ref: str = "",
    order_id: int | None = None,
    assignee=None,
    call: CallLog | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Logs a case and routes it: the category picks the department and the due time.

    Raises TicketInvalid on an empty subject, an inactive category or an unknown channel/priority.
    """
    subject = (subject or "").strip()
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = [_("Vui lòng nhập nội dung yêu cầu.")]
    if not category.is_active:
        errors["category"] = [_("Loại yêu cầu này không còn dùng.")]
    if channel not in Ticket.Channel.values:
        errors["channel"] = [_("Kênh tiếp nhận không hợp lệ.")]
    if priority not in Ticket.Priority.values:
        errors["priority"] = [_("Mức ưu tiên không hợp lệ.")]
    if getattr(customer, "merged_into_id", None):
        customer = customer.merged_into
    if errors:
        raise TicketInvalid(_("Yêu cầu chưa hợp lệ."), fields=errors)
    now = now or timezone.now()
    order_ref = (order_ref or "").strip()[:64]
    if order_ref and order_id is None:
        order_id = _order_id_for(order_ref)
    with transaction.atomic():
        department = category.department
        ticket = Ticket.objects.create(
            customer=customer,
            category=category,
            department=department,
            subject=subject[:200],
            description=description or "",
            channel=channel,
            priority=priority,
            order_ref=order_ref,
            order_id=order_id,
            assignee=assignee,
            created_by=created_by,
            created_at=now,
            due_at=now + timedelta(minutes=category.effective_resolution_minutes),
        )
        _event(
            ticket,
            TicketEvent.Kind.CREATED,
            author=created_by,
            body=description or "",
            to_status=ticket.status,
            data={"category": category.name, "department": department.name, "order_ref": order_ref},
        )
        if assignee is not None:
            _event(ticket, TicketEvent.Kind.ASSIGNMENT, author=created_by, data={"assignee": assignee.get_username()})
        if call is not None:
            CallLog.objects.filter(pk=call.pk, ticket__isnull=True).update(ticket=ticket)
            _event(ticket, TicketEvent.Kind.CALL, author=created_by, data={"call": call.pk, "caller": call.caller})
        _timeline_ticket(ticket)
    return ticket


def _order_id_for(order_ref: str) -> int | None:
    """Our order's id for a number or marketplace id the agent typed; None when unknown (kept as text)."""
    from channels.selectors import order_find

    order = order_find(order_ref)
    return order.pk if order is not None else None


def _lock(ticket_id: int) -> Ticket:
    try:
        return (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "department", "category")
            .get(pk=ticket_id)
        )
    except Ticket.DoesNotExist:
        raise NotFound(_("Không tìm thấy yêu cầu."))


def ticket_transition(
    *, ticket: Ticket, to_status: str, actor=None, note: str = "", now: datetime | None = None
) -> Ticket:
    """Moves a ticket along its life cycle (Ticket.TRANSITIONS) and records the change.

    Locks the row, re-reads the status under the lock; raises InvalidTransition (409) when the
    move is not allowed from the current status. Resolving queues the "resolved" message;
    confirming runs the after-care step (see ticket_confirm, which should be used for it).
    """
    if to_status == Ticket.Status.CONFIRMED:
        return ticket_confirm(ticket=ticket, actor=actor, note=note)
    if to_status not in Ticket.Status.values:
        raise TicketInvalid(_("Trạng thái không hợp lệ."), fields={"status": [_("Không có trạng thái này.")]})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(ticket.pk)
        _move(locked, to_status, actor=actor, note=note, now=now)
        if to_status == Ticket.Status.RESOLVED:
            _queue_resolved_message(locked)
    _refresh(ticket, locked)
    return locked


def _move(ticket: Ticket, to_status: str, *, actor, note: str, now: datetime) -> None:
    """Under the row lock: checks the transition, writes it with a guarded UPDATE, logs it."""
    from_status = ticket.status
    if not ticket.can_move_to(to_status):
        raise InvalidTransition(
            _("Không thể chuyển yêu cầu từ “%(from)s” sang “%(to)s”.")
            % {"from": Ticket.Status(from_status).label, "to": Ticket.Status(to_status).label},
            fields={"status": [_("Chuyển trạng thái không hợp lệ.")]},
            extra={"from_status": from_status, "to_status": to_status},
        )
    changes: dict = {"status": to_status, "updated_at": now}
    if to_status == Ticket.Status.RESOLVED:
        changes["resolved_at"] = now
    elif to_status == Ticket.Status.CONFIRMED:
        changes["confirmed_at"] = now
    elif to_status == Ticket.Status.CLOSED:
        changes["closed_at"] = now
    elif to_status == Ticket.Status.REOPENED:
        # A reopened case gets a fresh due time (and may be escalated again if that passes too).
        changes.update(
            resolved_at=None,
            confirmed_at=None,
            closed_at=None,
            escalated_at=None,
            due_at=now + timedelta(minutes=ticket.category.effective_resolution_minutes),
        )
    if (
        to_status in (Ticket.Status.OPEN, Ticket.Status.WAITING, Ticket.Status.RESOLVED)
        and not ticket.first_response_at
    ):
        changes["first_response_at"] = now
    updated = Ticket.objects.filter(pk=ticket.pk, status=from_status).update(**changes)
    if updated != 1:  # cannot happen under the lock; refuse rather than guess
        raise InvalidTransition(_("Yêu cầu vừa được người khác cập nhật, vui lòng tải lại."))
    for field, value in changes.items():
        setattr(ticket, field, value)
    _event(ticket, TicketEvent.Kind.STATUS, author=actor, body=note, from_status=from_status, to_status=to_status)
    _timeline_ticket(ticket)


def _refresh(target: Ticket, source: Ticket) -> None:
    for field in (
        "status",
        "resolved_at",
        "confirmed_at",
        "closed_at",
        "first_response_at",
        "escalated_at",
        "satisfaction",
        "assignee_id",
        "care_voucher_code",
        "priority",
    ):
        setattr(target, field, getattr(source, field))


def ticket_resolve(*, ticket: Ticket, actor=None, note: str = "") -> Ticket:
    return ticket_transition(ticket=ticket, to_status=Ticket.Status.RESOLVED, actor=actor, note=note)


def ticket_close(*, ticket: Ticket, actor=None, note: str = "") -> Ticket:
    return ticket_transition(ticket=ticket, to_status=Ticket.Status.CLOSED, actor=actor, note=note)


def ticket_reopen(*, ticket: Ticket, actor=None, note: str = "") -> Ticket:
    return ticket_transition(ticket=ticket, to_status=Ticket.Status.REOPENED, actor=actor, note=note)


def ticket_assign(*, ticket: Ticket, assignee, actor=None) -> Ticket:
    """Gives the ticket to a person (or nobody); recorded on the history."""
    with transaction.atomic():
        locked = _lock(ticket.pk)
        previous = locked.assignee.get_username() if locked.assignee_id else ""
        Ticket.objects.filter(pk=locked.pk).update(assignee=assignee, updated_at=timezone.now())
        locked.assignee = assignee
        _event(
            locked,
            TicketEvent.Kind.ASSIGNMENT,
            author=actor,
            data={"assignee": assignee.get_username() if assignee else "", "previous": previous},
        )
    _refresh(ticket, locked)
    return locked


_REPLY_CHANNEL = {"zalo": ("zns", "sms"), "email": ("email", "")}


def ticket_comment(*, ticket: Ticket, author, body: str, public: bool = False, notify: bool = True) -> TicketEvent:
    """Adds a public reply (told to the customer) or an internal note. A reply counts as first response.

    A public reply also goes to the customer as a service message (ZNS with SMS fallback for a
    Zalo case, email for an email case, else SMS) unless `notify` is off (the agent said it on the
    phone); when it cannot go out, the history says why.
    """
    body = (body or "").strip()
    if not body:
        raise TicketInvalid(_("Vui lòng nhập nội dung."), fields={"body": [_("Không được để trống.")]})
    now = timezone.now()
    with transaction.atomic():
        if public:
            Ticket.objects.filter(pk=ticket.pk, first_response_at__isnull=True).update(first_response_at=now)
        event = _event(ticket, TicketEvent.Kind.REPLY if public else TicketEvent.Kind.NOTE, author=author, body=body)
        if public and notify:
            _send_reply(ticket, event)
    return event


def _send_reply(ticket: Ticket, event: TicketEvent) -> None:
    from customers.services import message_send

    channel, fallback = _REPLY_CHANNEL.get(ticket.channel, ("sms", ""))
    text = _("Phản hồi yêu cầu #%(number)s: %(body)s") % {"number": ticket.number, "body": event.body}
    try:
        message = message_send(
            customer=ticket.customer,
            channel=channel,
            purpose="service",
            body=text,
            template_id="ticket_reply",
            params={"ticket": ticket.number, "body": event.body[:200]},
            idempotency_key=f"support-ticket-{ticket.pk}-reply-{event.pk}",
            fallback_channel=fallback,
            ref_type=TICKET_REF,
            ref_id=str(ticket.pk),
        )
    except DomainError as exc:
        _event(
            ticket,
            TicketEvent.Kind.MESSAGE,
            body=_("Không gửi được trả lời cho khách: %(reason)s") % {"reason": exc.message},
            data={"sent": False, "reason": exc.code, "reply": event.pk},
        )
        return
    _event(
        ticket, TicketEvent.Kind.MESSAGE, body=text, data={"sent": True, "message_id": message.pk, "reply": event.pk}
    )


# --- after-care: the resolved message, confirmation, care audience, voucher ------------------


def ticket_confirm_token(ticket: Ticket) -> str:
    return signing.TimestampSigner(salt=_CONFIRM_SALT).sign(str(ticket.pk))


def ticket_confirm_url(ticket: Ticket) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL + reverse("support:confirm", args=[ticket_confirm_token(ticket)])


def ticket_from_confirm_token(token: str) -> Ticket:
    """The ticket a signed confirmation link names; NotFound when the link is forged or expired."""
    try:
        pk = signing.TimestampSigner(salt=_CONFIRM_SALT).unsign(token, max_age=conf.confirm_link_max_age_seconds())
        return Ticket.objects.select_related("customer").get(pk=int(pk))
    except (signing.BadSignature, Ticket.DoesNotExist, ValueError):
        raise NotFound(_("Liên kết xác nhận không hợp lệ hoặc đã hết hạn."), code="invalid_link")


def _queue_resolved_message(ticket: Ticket) -> None:
    """Queues "your request #… is resolved" (ZNS, SMS fallback); never lost, never sent twice.

    The idempotency key carries the resolution time, so a ticket resolved again after a reopen
    tells the customer again, while a retry of the same resolution does not.
    """
    from customers.services import message_send

    body = _(
        "Yêu cầu #%(number)s của Quý khách đã được giải quyết. Nếu Quý khách hài lòng, vui lòng xác nhận tại: %(url)s"
    ) % {"number": ticket.number, "url": ticket_confirm_url(ticket)}
    key = f"support-ticket-{ticket.pk}-resolved-{int(ticket.resolved_at.timestamp())}"
    channel = conf.resolved_message_channel()
    try:
        message = message_send(
            customer=ticket.customer,
            channel=channel,
            purpose="service",
            body=body,
            template_id="ticket_resolved",
            params={"ticket": ticket.number, "url": ticket_confirm_url(ticket)},
            idempotency_key=key,
            fallback_channel="sms" if channel != "sms" else "",
            ref_type=TICKET_REF,
            ref_id=str(ticket.pk),
        )
    except DomainError as exc:  # no consent / no address: visible on the ticket, never silent
        _event(
            ticket,
            TicketEvent.Kind.MESSAGE,
            body=_("Không gửi được thông báo đã giải quyết: %(reason)s") % {"reason": exc.message},
            data={"sent": False, "reason": exc.code},
        )
        return
    _event(
        ticket,
        TicketEvent.Kind.MESSAGE,
        body=body,
        data={"sent": True, "message_id": message.pk, "channel": channel, "purpose": "service"},
    )


def care_segment():
    """The customers' Segment holding the after-care audience (created on first use)."""
    from customers.selectors import segments_active
    from customers.services import segment_upsert

    code = conf.care_segment_code()
    for segment in segments_active():
        if segment.code == code:
            return segment
    return segment_upsert(
        code=code,
        name=_("Khách hàng được chăm sóc"),
        # "builtin" with a code no segment rule knows: reports' refresh leaves its members alone
        # (a "custom" segment would be recomputed from a condition and lose them).
        kind="builtin",
        description=_("Khách hàng đã xác nhận yêu cầu hỗ trợ được giải quyết (do bộ phận CSKH quản lý)."),
    )


def _care_audience_join(customer, ticket: Ticket) -> bool:
    """Adds the customer to the "care" segment through customers' set-based membership sync,
    scoped to this one customer so no other member's stay is touched. Answers whether the
    customer was newly added.
    """
    from customers.services import segment_sync_members

    joined, _left = segment_sync_members(segment=care_segment(), customer_ids=[customer.pk], scope=[customer.pk])
    return joined > 0


@dataclass
class CareOutcome:
    ticket: Ticket
    joined_care: bool
    voucher_code: str
    voucher_sent: bool
    reason: str  # why no voucher went out, for the screen ("" when it did)


def ticket_confirm(
    *, ticket: Ticket, actor=None, satisfaction: int | None = None, note: str = "", via: str = "agent"
) -> Ticket:
    """The customer confirms the case is solved: confirmed status, care audience, care voucher.

    Locks the ticket. Idempotent for a ticket already confirmed (a second tap on the link only
    records a satisfaction score that was missing). The voucher is issued and sent by SMS only
    with marketing consent; without it the history says why. Raises InvalidTransition unless the
    ticket is resolved (or already confirmed).
    """
    return ticket_confirm_with_outcome(ticket=ticket, actor=actor, satisfaction=satisfaction, note=note, via=via).ticket


def ticket_confirm_with_outcome(
    *, ticket: Ticket, actor=None, satisfaction: int | None = None, note: str = "", via: str = "agent"
) -> CareOutcome:
    from customers.services import customer_can_contact

    if satisfaction is not None and not (1 <= int(satisfaction) <= 5):
        raise TicketInvalid(_("Mức hài lòng từ 1 đến 5."), fields={"satisfaction": [_("Chọn từ 1 đến 5.")]})
    now = timezone.now()
    with transaction.atomic():
        locked = _lock(ticket.pk)
        if locked.status == Ticket.Status.CONFIRMED:
            if satisfaction is not None and locked.satisfaction is None:
                Ticket.objects.filter(pk=locked.pk, satisfaction__isnull=True).update(satisfaction=satisfaction)
                locked.satisfaction = satisfaction
                _event(locked, TicketEvent.Kind.CONFIRMATION, author=actor, data={"satisfaction": satisfaction})
            _refresh(ticket, locked)
            return CareOutcome(locked, False, locked.care_voucher_code, bool(locked.care_voucher_code), "")
        _move(locked, Ticket.Status.CONFIRMED, actor=actor, note=note, now=now)
        if satisfaction is not None:
            Ticket.objects.filter(pk=locked.pk).update(satisfaction=satisfaction)
            locked.satisfaction = satisfaction
        _event(
            locked,
            TicketEvent.Kind.CONFIRMATION,
            author=actor,
            body=note,
            data={"via": via, "satisfaction": satisfaction},
        )
        customer = locked.customer
        joined = _care_audience_join(customer, locked)
        _event(
            locked,
            TicketEvent.Kind.CARE,
            body=_("Khách hàng được thêm vào nhóm chăm sóc.") if joined else _("Khách hàng đã ở trong nhóm chăm sóc."),
            data={"care_segment": conf.care_segment_code(), "joined": joined},
        )
        code, sent, reason = "", False, ""
        if not customer_can_contact(customer, "sms", "marketing"):
            reason = _("Khách hàng chưa đồng ý nhận tin tiếp thị qua SMS nên không gửi voucher.")
            _event(locked, TicketEvent.Kind.CARE, body=reason, data={"voucher": False, "reason": "no_consent"})
        elif not locked.care_voucher_code:
            code = _issue_care_voucher(locked)
            sent = True
        _refresh(ticket, locked)
    return CareOutcome(locked, joined, code, sent, reason)


def _issue_care_voucher(ticket: Ticket) -> str:
    """Under the ticket lock: issues the personal store-only voucher and queues its SMS."""
    from customers.services import message_send
    from promotions.services import voucher_issue

    value = conf.care_voucher_discount_value()
    voucher = voucher_issue(
        customer=ticket.customer,
        discount_type=conf.care_voucher_discount_type(),
        discount_value=value,
        store_only=True,
        valid_days=conf.care_voucher_valid_days(),
        source=f"{TICKET_REF}:{ticket.pk}",
    )
    code = voucher.code
    Ticket.objects.filter(pk=ticket.pk, care_voucher_code="").update(care_voucher_code=code)
    ticket.care_voucher_code = code
    body = _(
        "Cảm ơn Quý khách đã tin tưởng! Tặng Quý khách voucher %(code)s, dùng tại cửa hàng trong %(days)s ngày."
    ) % {"code": code, "days": conf.care_voucher_valid_days()}
    try:
        message = message_send(
            customer=ticket.customer,
            channel="sms",
            purpose="marketing",
            body=body,
            template_id="care_voucher",
            params={"code": code},
            idempotency_key=f"support-ticket-{ticket.pk}-care-voucher",
            ref_type=TICKET_REF,
            ref_id=str(ticket.pk),
        )
        data = {"voucher": code, "message_id": message.pk, "sent": True}
    except DomainError as exc:  # consent withdrawn between the check and the send, or no number
        data = {"voucher": code, "sent": False, "reason": exc.code}
        body = _("Đã phát hành voucher %(code)s nhưng không gửi SMS: %(reason)s") % {
            "code": code,
            "reason": exc.message,
        }
    _event(ticket, TicketEvent.Kind.MESSAGE, body=body, data=data)
    return code


def ticket_satisfaction_record(*, ticket: Ticket, score: int, actor=None) -> Ticket:
    if not (1 <= int(score) <= 5):
        raise TicketInvalid(_("Mức hài lòng từ 1 đến 5."), fields={"satisfaction": [_("Chọn từ 1 đến 5.")]})
    with transaction.atomic():
        locked = _lock(ticket.pk)
        Ticket.objects.filter(pk=locked.pk).update(satisfaction=score)
        locked.satisfaction = score
        _event(locked, TicketEvent.Kind.CONFIRMATION, author=actor, data={"satisfaction": score})
    _refresh(ticket, locked)
    return locked


# --- escalation ----------------------------------------------------------------------------


def tickets_escalate_overdue(*, now: datetime | None = None, batch: int = 500) -> int:
    """Escalates each overdue open ticket once: to the department lead, high priority, on the history.

    Safe to run concurrently: the claim is a conditional UPDATE `WHERE escalated_at IS NULL`, so
    only one run escalates a ticket. A reopened ticket may be escalated again (reopen clears it).
    """
    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES, due_at__lt=now, escalated_at__isnull=True)
        .order_by("due_at")
        .values_list("pk", flat=True)[:batch]
    )
    escalated = 0
    for pk in ids:
        with transaction.atomic():
            claimed = Ticket.objects.filter(
                pk=pk, escalated_at__isnull=True, status__in=Ticket.OPEN_STATUSES, due_at__lt=now
            ).update(escalated_at=now)
            if not claimed:
                continue
            ticket = Ticket.objects.select_related("department__lead", "assignee").get(pk=pk)
            lead = ticket.department.lead
            changes = {
                "priority": Ticket.Priority.URGENT
                if ticket.priority == Ticket.Priority.URGENT
                else Ticket.Priority.HIGH
            }
            if lead is not None:
                changes["assignee"] = lead
            Ticket.objects.filter(pk=pk).update(**changes)
            _event(
                ticket,
                TicketEvent.Kind.ESCALATION,
                body=_("Quá hạn xử lý: chuyển cho trưởng bộ phận %(lead)s.")
                % {"lead": (lead.get_full_name() or lead.get_username()) if lead else _("(chưa có)")},
                data={
                    "lead": lead.get_username() if lead else "",
                    "previous_assignee": ticket.assignee.get_username() if ticket.assignee else "",
                    "due_at": ticket.due_at.isoformat(),
                },
            )
            escalated += 1
    return escalated


# --- calls ---------------------------------------------------------------------------------


def _agent_for(agent: str):
    """An agent named by extension (AgentProfile) or username; None when unknown."""
    agent = (agent or "").strip()
    if not agent:
        return None
    profile = AgentProfile.objects.select_related("user").filter(extension=agent).first()
    if profile:
        return profile.user
    return User.objects.filter(username=agent, is_active=True).first()


def _customer_for_phone(phone: str):
    """The one live customer with exactly this phone; None when none or several (never guessed)."""
    if not phone:
        return None
    from customers.selectors import customer_search

    matches = [
        c for c in customer_search(phone, limit=3) if any(cp.value == phone for cp in getattr(c, "live_contacts", []))
    ]
    return matches[0] if len(matches) == 1 else None


def call_ring(
    *, call_id: str, caller: str, agent: str = "", direction: str = CallLog.Direction.INBOUND
) -> tuple[CallLog, bool]:
    """A call rings (the CTI's screen pop): starts a call log row, matched to the caller if unique.

    Idempotent on `call_id`: the CTI retrying the same ring gets the same row back (created=False).
    """
    call_id = (call_id or "").strip()
    caller = (caller or "").strip()
    errors = {}
    if not call_id:
        errors["call_id"] = [_("Thiếu mã cuộc gọi.")]
    if not caller:
        errors["caller"] = [_("Thiếu số gọi đến.")]
    if direction not in CallLog.Direction.values:
        errors["direction"] = [_("Chiều cuộc gọi không hợp lệ.")]
    if errors:
        raise DomainError(_("Thông tin cuộc gọi chưa đủ."), fields=errors)
    existing = CallLog.objects.select_related("customer", "agent").filter(call_id=call_id).first()
    if existing:
        return existing, False
    phone = normalize_caller(caller)
    customer = _customer_for_phone(phone)
    user = _agent_for(agent)
    try:
        with transaction.atomic():
            call = CallLog.objects.create(
                call_id=call_id[:100],
                caller=caller[:40],
                phone=phone,
                customer=customer,
                agent=user,
                agent_extension=agent[:16] if user is None or agent != user.get_username() else "",
                direction=direction,
                status=CallLog.Status.RINGING,
                started_at=timezone.now(),
            )
            if customer is not None:
                _timeline_call(call)
    except IntegrityError:  # the same call id rang twice at once
        return CallLog.objects.select_related("customer", "agent").get(call_id=call_id), False
    return call, True


_CALL_SUMMARY = {CallLog.Direction.INBOUND: _lazy("Cuộc gọi đến"), CallLog.Direction.OUTBOUND: _lazy("Cuộc gọi đi")}


def _phone_local(raw: str) -> str:
    from o2o_site.phones import format_phone_local

    return format_phone_local(raw)


def _timeline_call(call: CallLog) -> None:
    from customers.services import record_activity

    record_activity(
        customer=call.customer,
        kind="call",
        occurred_at=call.started_at,
        summary=_("%(direction)s · %(caller)s")
        % {"direction": _CALL_SUMMARY[call.direction], "caller": _phone_local(call.caller)},
        ref_type=CALL_REF,
        ref_id=str(call.pk),
        data={"status": call.status, "outcome": call.outcome, "agent": call.agent.get_username() if call.agent else ""},
    )


class CallTaken(Conflict):
    code = "call_taken"


class CallOver(Conflict):
    code = "call_over"


def _who(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else _("tổng đài viên khác")


def call_answer(*, call: CallLog, agent) -> CallLog:
    """An agent takes a ringing call. The first answer wins.

    The claim is a conditional UPDATE `WHERE status = 'ringing'`, so two agents clicking at once
    cannot both take the call. Answering again a call one already holds is harmless (idempotent).
    Raises CallTaken (409, `extra` names who has it) when another agent was first, CallOver when
    the call has ended or was missed.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = CallLog.objects.filter(pk=call.pk, status=CallLog.Status.RINGING).update(
            status=CallLog.Status.ANSWERED, answered_at=now, agent=agent
        )
        current = CallLog.objects.select_related("customer", "agent", "ticket").get(pk=call.pk)
        if claimed and current.customer_id:
            _timeline_call(current)
    if not claimed:
        if current.status == CallLog.Status.ANSWERED and current.agent_id == agent.pk:
            return current
        if current.status == CallLog.Status.ANSWERED:
            raise CallTaken(
                _("%(agent)s đã nhận cuộc gọi này lúc %(time)s.")
                % {"agent": _who(current.agent), "time": timezone.localtime(current.answered_at).strftime("%H:%M:%S")},
                extra={"agent": current.agent.get_username() if current.agent else ""},
            )
        raise CallOver(_("Cuộc gọi này đã kết thúc (%(status)s).") % {"status": current.get_status_display()})
    return current


def call_update(*, call: CallLog, status: str, agent=None) -> CallLog:
    """The CTI says the call was answered, ended or missed.

    "answered" only moves a ringing call (a call an agent already took keeps its agent); an
    ended or missed call is final. Agents answer through call_answer (first answer wins).
    """
    if status not in (CallLog.Status.ANSWERED, CallLog.Status.ENDED, CallLog.Status.MISSED):
        raise DomainError(_("Trạng thái cuộc gọi không hợp lệ."), fields={"status": [_("Không hợp lệ.")]})
    if status == CallLog.Status.ANSWERED and agent is not None:
        return call_answer(call=call, agent=agent)
    now = timezone.now()
    with transaction.atomic():
        if status == CallLog.Status.ANSWERED:
            moved = CallLog.objects.filter(pk=call.pk, status=CallLog.Status.RINGING).update(
                status=status, answered_at=now
            )
        else:
            moved = (
                CallLog.objects.filter(pk=call.pk)
                .exclude(status__in=[CallLog.Status.ENDED, CallLog.Status.MISSED])
                .update(status=status, ended_at=now)
            )
        call.refresh_from_db()
        if moved and call.customer_id:
            _timeline_call(call)
    return call


def _held_by(call: CallLog, agent) -> CallLog:
    """Under a transaction: the call locked, refused unless it is this agent's (or no one's)."""
    locked = CallLog.objects.select_for_update(of=("self",)).select_related("agent").get(pk=call.pk)
    if locked.agent_id and locked.agent_id != agent.pk:
        raise CallTaken(_("Cuộc gọi này do %(agent)s phụ trách.") % {"agent": _who(locked.agent)})
    return locked


CALL_NOTES_MAX = 4000


def call_notes_save(*, call: CallLog, agent, notes: str) -> CallLog:
    """Saves the agent's notes on the call (replacing the previous ones). Refused on another agent's call."""
    notes = (notes or "").strip()
    if len(notes) > CALL_NOTES_MAX:
        raise DomainError(
            _("Ghi chú tối đa %(n)s ký tự.") % {"n": CALL_NOTES_MAX},
            fields={"notes": [_("Tối đa %(n)s ký tự.") % {"n": CALL_NOTES_MAX}]},
        )
    with transaction.atomic():
        locked = _held_by(call, agent)
        CallLog.objects.filter(pk=locked.pk).update(notes=notes)
        locked.notes = notes
    call.notes = notes
    return locked


def call_end(*, call: CallLog, agent) -> CallLog:
    """The agent ends the call from the screen. Idempotent: an ended call stays as it was."""
    with transaction.atomic():
        locked = _held_by(call, agent)
        moved = CallLog.objects.filter(pk=locked.pk, status=CallLog.Status.ANSWERED).update(
            status=CallLog.Status.ENDED, ended_at=timezone.now()
        )
        locked.refresh_from_db()
        if moved and locked.customer_id:
            _timeline_call(locked)
    return locked


def call_attach_customer(*, call: CallLog, customer) -> CallLog:
    """The agent picked the caller among candidates (or created them): the call belongs to them."""
    with transaction.atomic():
        CallLog.objects.filter(pk=call.pk).update(customer=customer)
        call.customer = customer
        _timeline_call(call)
    return call


def call_log_followup(
    *, ticket: Ticket, agent, outcome: str, notes: str = "", satisfaction: int | None = None
) -> CallLog:
    """Customer care's follow-up call on a resolved ticket, with its outcome.

    Outcome "confirmed" confirms the ticket (care audience, voucher); "not_resolved" reopens it.
    """
    if outcome not in CallLog.Outcome.values or not outcome:
        raise DomainError(_("Vui lòng chọn kết quả cuộc gọi."), fields={"outcome": [_("Bắt buộc.")]})
    now = timezone.now()
    with transaction.atomic():
        call = CallLog.objects.create(
            direction=CallLog.Direction.OUTBOUND,
            caller=ticket.customer.full_name[:40],
            customer=ticket.customer,
            agent=agent,
            ticket=ticket,
            status=CallLog.Status.ENDED if outcome != CallLog.Outcome.NO_ANSWER else CallLog.Status.MISSED,
            outcome=outcome,
            notes=notes,
            started_at=now,
            ended_at=now,
        )
        _event(
            ticket,
            TicketEvent.Kind.CALL,
            author=agent,
            body=notes,
            data={
                "call": call.pk,
                "direction": "outbound",
                "outcome": outcome,
                "outcome_label": str(call.get_outcome_display()),
            },
        )
        _timeline_call(call)
        if outcome == CallLog.Outcome.CONFIRMED:
            ticket_confirm(ticket=ticket, actor=agent, satisfaction=satisfaction, note=notes, via="call")
        elif outcome == CallLog.Outcome.NOT_RESOLVED and ticket.status in (
            Ticket.Status.RESOLVED,
            Ticket.Status.CONFIRMED,
        ):
            ticket_reopen(ticket=ticket, actor=agent, note=notes)
    return call
