"""Support's reads: queues, a ticket with its history, the hotline lookup and customer view.

The hotline customer view is assembled from a fixed set of queries (each lower app's selector
owns its own select_related/prefetch), so its cost does not grow with the customer's history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from o2o_site.api import NotFound

from . import conf
from .models import CallLog, Category, Department, Ticket, TicketEvent

_PHONEISH = re.compile(r"^[\d\s+().\-/]+$")
_TICKET_NUMBER = re.compile(r"^(?:#|t|yc|ticket\s*)?\s*(\d{1,9})$", re.IGNORECASE)


def ticket_list(*, user=None, scope: str = "all") -> QuerySet[Ticket]:
    """Tickets for a list or queue; scope "mine" (assigned to the user) or "department" (theirs)."""
    qs = Ticket.objects.select_related("customer", "category", "department", "assignee").order_by("due_at", "-id")
    if scope == "mine" and user is not None:
        qs = qs.filter(assignee=user)
    elif scope == "department" and user is not None:
        qs = qs.filter(department__in=Department.objects.filter(Q(members=user) | Q(lead=user)))
    return qs


def ticket_get(pk) -> Ticket:
    try:
        return Ticket.objects.select_related("customer", "category", "department", "assignee", "created_by").get(
            pk=int(pk)
        )
    except (Ticket.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("Không tìm thấy yêu cầu."))


def ticket_detail(pk) -> Ticket:
    """A ticket with its history and calls preloaded (constant queries)."""
    ticket = ticket_get(pk)
    ticket.history = list(
        TicketEvent.objects.filter(ticket=ticket).select_related("author").order_by("created_at", "id")
    )
    ticket.call_rows = list(CallLog.objects.filter(ticket=ticket).select_related("agent").order_by("-started_at"))
    ticket.message_rows = ticket_messages(ticket)
    return ticket


def ticket_messages(ticket: Ticket) -> list:
    """Messages sent to the customer about this ticket, with their delivery status."""
    from customers import selectors as customer_selectors

    finder = getattr(customer_selectors, "messages_for_ref", None)
    if finder is None:
        return []
    return list(finder(ref_type="support.ticket", ref_id=str(ticket.pk)))


def queue_counts(*, user) -> dict[str, int]:
    """Badges for the queue tabs: my open tickets, my department's, overdue among them."""
    now = timezone.now()
    open_q = Q(status__in=Ticket.OPEN_STATUSES)
    departments = Department.objects.filter(Q(members=user) | Q(lead=user)).values("pk")
    return Ticket.objects.aggregate(
        mine=Count("pk", filter=open_q & Q(assignee=user)),
        department=Count("pk", filter=open_q & Q(department__in=departments)),
        overdue=Count("pk", filter=open_q & Q(due_at__lt=now)),
    )


def departments_active() -> list[Department]:
    return list(Department.objects.filter(is_active=True).select_related("lead").order_by("name"))


def categories_active() -> list[Category]:
    return list(Category.objects.filter(is_active=True).select_related("department").order_by("name"))


def satisfaction_by_department(*, since: datetime | None = None) -> list[dict]:
    """Average satisfaction (1–5) and counts per department, for the report."""
    qs = Ticket.objects.filter(satisfaction__isnull=False)
    if since is not None:
        qs = qs.filter(confirmed_at__gte=since)
    rows = (
        qs.values("department__name")
        .annotate(average=Avg("satisfaction"), answers=Count("pk"))
        .order_by("department__name")
    )
    return [
        {"department": r["department__name"], "average": round(float(r["average"]), 2), "answers": r["answers"]}
        for r in rows
    ]


def calls_for_screen_pop(*, agent, now: datetime | None = None) -> list[CallLog]:
    """Ringing inbound calls for this agent (or for no one in particular) in the last minutes."""
    now = now or timezone.now()
    since = now - timedelta(seconds=conf.screen_pop_seconds())
    return list(
        CallLog.objects.select_related("customer")
        .filter(status=CallLog.Status.RINGING, started_at__gte=since, direction=CallLog.Direction.INBOUND)
        .filter(Q(agent=agent) | Q(agent__isnull=True))
        .order_by("-started_at")[:3]
    )


def call_get(pk) -> CallLog:
    try:
        return CallLog.objects.select_related("customer", "agent", "ticket").get(pk=int(pk))
    except (CallLog.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("Không tìm thấy cuộc gọi."))


def call_list() -> QuerySet[CallLog]:
    return CallLog.objects.select_related("customer", "agent", "ticket").order_by("-started_at", "-id")


# --- the hotline lookup --------------------------------------------------------------------


@dataclass
class Candidate:
    customer: object
    matched: str  # "phone", "name", "email", "order", "voucher", "ticket", ...
    identifier: str  # the identifier that matched, as stored

    @property
    def matched_label(self) -> str:
        labels = {
            "phone": _("Số điện thoại"),
            "phone_suffix": _("Đuôi số điện thoại"),
            "name": _("Tên"),
            "email": _("Email"),
            "order": _("Đơn hàng"),
            "voucher": _("Voucher"),
            "ticket": _("Yêu cầu"),
        }
        return str(labels.get(self.matched, self.matched))

    def as_dict(self) -> dict:
        c = self.customer
        return {
            "id": c.pk,
            "name": c.full_name,
            "full_name": c.full_name,
            "matched": self.matched,
            "identifier": self.identifier,
        }


def hotline_lookup(q: str, *, limit: int = 10) -> list[Candidate]:
    """Everything a caller might read out: phone, name, email, order number, voucher, ticket.

    Exact identifiers (ticket number, order number, voucher code) are tried first; then the
    customers app's search (phones in any format, folded names). Never guesses between several.
    """
    q = (q or "").strip()
    if not q:
        return []
    out: list[Candidate] = []
    seen: set[int] = set()

    def add(customer, matched: str, identifier: str) -> None:
        if customer is None:
            return
        while getattr(customer, "merged_into_id", None):
            customer = customer.merged_into
        if customer.pk in seen:
            return
        seen.add(customer.pk)
        out.append(Candidate(customer, matched, identifier))

    m = _TICKET_NUMBER.match(q)
    if m and (q[0] in "#tTyY" or len(m.group(1)) <= 6):
        ticket = Ticket.objects.select_related("customer").filter(pk=int(m.group(1))).first()
        if ticket:
            add(ticket.customer, "ticket", f"#{ticket.pk}")
    looks_like_phone = False
    if _PHONEISH.match(q):
        from o2o_site.phones import normalize_phone

        looks_like_phone = normalize_phone(q).ok and len(re.sub(r"\D", "", q)) >= 9
    # A full phone number is not an order or voucher code: skip those lookups (two queries).
    if len(q) >= 4 and " " not in q and not looks_like_phone:
        from channels.selectors import order_find

        order = order_find(q)
        if order is not None and order.customer_id:
            add(order.customer, "order", order.number if order.number.lower() == q.lower() else order.external_id)
        try:
            from promotions.selectors import voucher_find_by_code
        except ImportError:  # promotions not there yet
            voucher_find_by_code = None
        if voucher_find_by_code is not None:
            voucher = voucher_find_by_code(q)
            if voucher is not None and getattr(voucher, "customer_id", None):
                add(voucher.customer, "voucher", voucher.code)
    for customer, matched, identifier in _customer_search(q, limit=limit):
        add(customer, matched, identifier)
    return out[:limit]


def _customer_search(q: str, *, limit: int) -> list[tuple]:
    """customers' search, with what matched: the exact phone, a phone's last digits, an email, a name."""
    from customers.selectors import customer_search
    from o2o_site.phones import normalize_phone

    phone = normalize_phone(q) if _PHONEISH.match(q) else None
    digits = re.sub(r"\D", "", q)
    rows = []
    for customer in customer_search(q, limit=limit):
        contacts = getattr(customer, "live_contacts", [])
        matched, identifier = "name", customer.full_name
        for cp in contacts:
            if phone is not None and phone.ok and cp.value == phone.e164:
                matched, identifier = "phone", cp.value
                break
            if cp.value.lower() == q.lower():
                matched, identifier = cp.kind, cp.value
                break
            if phone is not None and cp.kind == "phone" and digits and cp.value.endswith(digits):
                matched, identifier = "phone_suffix", cp.value
        rows.append((customer, matched, identifier))
    # An exact phone match outranks last-digit and name matches.
    rows.sort(key=lambda r: r[1] != "phone")
    return rows


# --- the hotline customer view -------------------------------------------------------------


@dataclass
class CustomerOverview:
    customer: object
    contact_points: list = field(default_factory=list)
    consents: list = field(default_factory=list)
    segments: list = field(default_factory=list)
    points: int = 0
    orders_by_channel: list = field(default_factory=list)
    recent_orders: list = field(default_factory=list)
    latest_order: object = None
    open_tickets: list = field(default_factory=list)
    vouchers: list = field(default_factory=list)
    timeline: object = None  # customers' timeline page, as that app answers it
    timeline_items: list = field(default_factory=list)
    timeline_page: int = 1
    timeline_has_next: bool = False
    timeline_count: int | None = None
    marketing_sms: bool = False

    @property
    def open_ticket_rows(self) -> list:
        return [t for t in self.open_tickets if t.is_open]

    @property
    def closed_ticket_rows(self) -> list:
        return [t for t in self.open_tickets if not t.is_open]


def customer_overview(
    customer_id,
    *,
    page: int = 1,
    kinds=None,
    channels=None,
    page_size: int = 25,
    timeline_count: bool = True,
    voucher_stores: bool = True,
) -> CustomerOverview:
    """What the hotline screen (and the overview API) shows for one customer.

    A constant number of queries: profile (with contacts, consents, segments), order headers,
    tickets, vouchers, one timeline page — each from its owner's selector. The screen passes
    `timeline_count=False` (it shows "older" without a total, so no COUNT(*) over the whole
    history) and `voucher_stores=False` (it does not list a voucher's stores); the API keeps both.
    """
    from channels.selectors import orders_for_customer
    from customers import selectors as cs

    customer = cs.customer_profile(customer_id)
    overview = CustomerOverview(customer=customer)
    overview.contact_points = list(getattr(customer, "live_contacts", []))
    overview.consents = list(getattr(customer, "consent_states", []))
    overview.segments = [m.segment for m in getattr(customer, "current_memberships", [])]
    # customer_profile has just read the row (points_balance is its cached ledger sum): no second query.
    overview.points = customer.points_balance
    overview.marketing_sms = any(
        getattr(c, "channel", "") == "sms" and getattr(c, "purpose", "") == "marketing" and getattr(c, "granted", False)
        for c in overview.consents
    )
    # Headers only: neither the screen nor the API shows order lines.
    overview.recent_orders = orders_for_customer(customer, limit=10, with_lines=False)
    overview.latest_order = overview.recent_orders[0] if overview.recent_orders else None
    overview.orders_by_channel = purchases_by_channel(customer)
    overview.open_tickets = list(
        Ticket.objects.filter(customer=customer)
        .select_related("category", "department", "assignee")
        .order_by(
            # open first, then newest
            models_case_open_first(),
            "-created_at",
        )[:10]
    )
    try:
        from promotions.selectors import vouchers_usable_for_customer
    except ImportError:
        vouchers_usable_for_customer = None
    if vouchers_usable_for_customer is not None:
        overview.vouchers = list(vouchers_usable_for_customer(customer, with_relations=voucher_stores))
    overview.timeline = cs.customer_timeline(
        customer,
        kinds=kinds or None,
        channels=channels or None,
        page=page,
        page_size=page_size,
        with_count=timeline_count,
    )
    items, paging = timeline_rows(overview.timeline)
    overview.timeline_items = items
    overview.timeline_page = paging["page"] or page
    overview.timeline_has_next = paging["has_next"]
    overview.timeline_count = paging["count"]
    return overview


def timeline_rows(timeline) -> tuple[list, dict]:
    """(items, paging) from the page object customers' customer_timeline answers."""
    if timeline is None:
        return [], {"page": 1, "has_next": False, "count": None}
    items = getattr(timeline, "items", None)
    if items is None:
        items = getattr(timeline, "object_list", None)
    if items is None:
        items = getattr(timeline, "results", None)
    if items is None:
        items = timeline if isinstance(timeline, list) else list(timeline)
    has_next = getattr(timeline, "has_next", False)
    if callable(has_next):
        has_next = has_next()
    count = getattr(timeline, "count", None)
    if count is None or callable(count):
        count = getattr(getattr(timeline, "paginator", None), "count", None)
    page = getattr(timeline, "page", None)
    if not isinstance(page, int):
        page = getattr(timeline, "number", 1)
    return list(items), {"page": page, "has_next": bool(has_next), "count": count}


def purchases_by_channel(customer) -> list[dict]:
    """Order count and value per channel, from customers' purchase figures (one grouped query).

    customers offers no selector for it yet, so this reads its Purchase rows directly (read only).
    """
    from django.db.models import Sum

    from customers.models import Purchase

    rows = (
        Purchase.objects.filter(customer_id=customer.pk, reversed_at__isnull=True)
        .values("channel")
        .annotate(orders=Count("pk"), amount=Sum("amount"))
        .order_by("-amount")
    )
    return [{"channel": r["channel"] or "—", "orders": r["orders"], "amount": r["amount"] or 0} for r in rows]


def models_case_open_first():
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        When(status__in=list(Ticket.OPEN_STATUSES), then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def tickets_for_customer(customer) -> QuerySet[Ticket]:
    return Ticket.objects.filter(customer=customer).select_related("category", "department", "assignee")


def ticket_events_prefetch() -> Prefetch:
    return Prefetch("events", queryset=TicketEvent.objects.select_related("author").order_by("created_at", "id"))


def dashboard_headlines(day) -> list:
    """The manager's landing page: open tickets and how many of them are overdue (1 query)."""
    from o2o_site.dashboard import Headline
    from o2o_site.money import format_number

    row = Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=timezone.now()))
    )
    return [
        Headline(label=_("Yêu cầu đang mở"), value=format_number(row["open"]), url_name="support:tickets"),
        Headline(
            label=_("Yêu cầu quá hạn"),
            value=format_number(row["overdue"]),
            url_name="support:tickets",
            tone="danger" if row["overdue"] else "ok",
        ),
    ]
