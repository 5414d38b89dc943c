"""Support's reads: queues, a ticket with its history, the hotline lookup and customer view.

The hotline customer view is assembled from a fixed set of queries (each lower app's selector
owns its own select_related/prefetch), so its cost does not grow with the customer's history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from o2o_site.api import NotFound

from . import conf
from .models import CallLog, Category, Department, Ticket, TicketEvent

_PHONEISH = re.compile(r"^[\d\s+().\-/]+$")
_TICKET_NUMBER = re.compile(r"^(?:#|t|yc|ticket\s*)?\s*(\d{1,9})$", re.IGNORECASE)


def ticket_list(*, user=None, scope: str = "all") -> QuerySet[Ticket]:
    """Tickets for a list or queue; scope "mine" (assigned to the user) or "department" (theirs).

    "all" is every ticket for a manager; for an agent it is what they work on — their own
    tickets, those they filed and their departments' — never the whole base of cases.
    """
    from o2o_site.roles import Role, has_role

    qs = Ticket.objects.select_related("customer", "category", "department", "assignee").order_by("due_at", "-id")
    if user is None:
        return qs
    if not user.is_authenticated:
        return qs.none()  # the schema generator's anonymous request
    departments = Department.objects.filter(Q(members=user) | Q(lead=user))
    if scope == "mine":
        qs = qs.filter(assignee=user)
    elif scope == "department":
        qs = qs.filter(department__in=departments)
    elif not has_role(user, Role.MANAGER):
        qs = qs.filter(Q(assignee=user) | Q(created_by=user) | Q(department__in=departments))
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


QUEUE_SCOPES = ("mine", "department", "overdue", "all")


def ticket_queue(*, user, scope: str) -> QuerySet[Ticket]:
    """The tickets screen's queues. "mine" and "department" hold the open tickets (what is still
    to do), "overdue" the open ones past due, "all" every ticket. The tab badges count these
    same querysets, so a badge never disagrees with the rows its tab lists."""
    if scope not in QUEUE_SCOPES:
        scope = "mine"
    qs = ticket_list(user=user, scope="all" if scope == "overdue" else scope)
    if scope in ("mine", "department", "overdue"):
        qs = qs.filter(status__in=Ticket.OPEN_STATUSES)
    if scope == "overdue":
        qs = qs.filter(due_at__lt=timezone.now())
    return qs


def queue_counts(*, user) -> dict[str, int]:
    """Badges for the queue tabs: the row count of each queue (ticket_queue), one query."""
    mine = ticket_queue(user=user, scope="mine").values("pk")
    department = ticket_queue(user=user, scope="department").values("pk")
    overdue = ticket_queue(user=user, scope="overdue").values("pk")
    return Ticket.objects.aggregate(
        mine=Count("pk", filter=Q(pk__in=mine)),
        department=Count("pk", filter=Q(pk__in=department)),
        overdue=Count("pk", filter=Q(pk__in=overdue)),
    )


def ticket_assignees() -> QuerySet:
    """People who may be given a ticket: active staff with a support role, by name. Service
    accounts (a login that is no person: the old `cti` account, anything without a usable
    password) are left out."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=["agent", "manager"])
        .exclude(password__startswith="!")
        .exclude(username__in=conf.service_usernames())
        .distinct()
        .order_by("first_name", "last_name", "username")
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


@dataclass
class PopInfo:
    """What the screen pop shows about a known caller in the first seconds."""

    open_tickets: list = field(default_factory=list)
    open_ticket_count: int = 0
    last_order: object = None
    segments: list = field(default_factory=list)
    vip: bool = False
    voucher: object = None


def calls_for_screen_pop(*, agent, now: datetime | None = None) -> list[CallLog]:
    """Ringing inbound calls for this agent (or for no one in particular) in the last minutes,
    each with `.pop` (PopInfo) for a known caller. At most 3 calls, so at most a fixed number
    of queries (one for the calls and their open tickets, three per known caller)."""
    now = now or timezone.now()
    since = now - timedelta(seconds=conf.screen_pop_seconds())
    calls = list(
        CallLog.objects.select_related("customer")
        .filter(status=CallLog.Status.RINGING, started_at__gte=since, direction=CallLog.Direction.INBOUND)
        .filter(Q(agent=agent) | Q(agent__isnull=True))
        .order_by("-started_at")[:3]
    )
    _attach_pop_info(calls)
    return calls


def _attach_pop_info(calls: list[CallLog]) -> None:
    from channels.selectors import orders_for_customer
    from customers.selectors import customer_segments

    customer_ids = {c.customer_id for c in calls if c.customer_id}
    tickets: dict[int, list[Ticket]] = {}
    if customer_ids:
        for t in (
            Ticket.objects.filter(customer_id__in=customer_ids, status__in=Ticket.OPEN_STATUSES)
            .select_related("department")
            .order_by("due_at", "-id")
        ):
            tickets.setdefault(t.customer_id, []).append(t)
    vip_codes = conf.vip_segment_codes()
    infos: dict[int, PopInfo] = {}
    for call in calls:
        call.pop = None
        if not call.customer_id:
            continue
        if call.customer_id not in infos:
            customer = call.customer
            open_tickets = tickets.get(customer.pk, [])
            orders = orders_for_customer(customer, limit=1, with_lines=False)
            segments = list(customer_segments(customer))
            vouchers = _usable_vouchers(customer)
            infos[customer.pk] = PopInfo(
                open_tickets=open_tickets[:3],
                open_ticket_count=len(open_tickets),
                last_order=orders[0] if orders else None,
                segments=segments,
                vip=any(getattr(seg, "code", "") in vip_codes for seg in segments),
                voucher=vouchers[0] if vouchers else None,
            )
        call.pop = infos[call.customer_id]


def _usable_vouchers(customer) -> list:
    try:
        from promotions.selectors import vouchers_usable_for_customer
    except ImportError:  # promotions not installed
        return []
    return list(vouchers_usable_for_customer(customer, with_relations=False))


def call_in_progress(*, agent, customer, call_id=None) -> CallLog | None:
    """The call this agent has on with this customer (the one named by `call_id` first), if any."""
    qs = CallLog.objects.filter(customer=customer, agent=agent, status=CallLog.Status.ANSWERED).order_by(
        "-answered_at", "-id"
    )
    if call_id:
        try:
            named = qs.filter(pk=int(call_id)).first()
        except (TypeError, ValueError):
            named = None
        if named is not None:
            return named
    return qs.first()


def call_get(pk) -> CallLog:
    try:
        return CallLog.objects.select_related("customer", "agent", "ticket").get(pk=int(pk))
    except (CallLog.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("Không tìm thấy cuộc gọi."))


def call_get_by_call_id(call_id: str) -> CallLog:
    """The call by the CTI's own id. Raises NotFound (also for an id no call can have: NUL, too long)."""
    call_id = call_id or ""
    call = None
    if "\x00" not in call_id and len(call_id) <= 100:
        call = CallLog.objects.select_related("customer", "agent", "ticket").filter(call_id=call_id).first()
    if call is None:
        raise NotFound(_("Không tìm thấy cuộc gọi."))
    return call


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


@dataclass
class HotlineResult:
    """What the hotline search answers: the candidates, whether there are more than shown, and
    why nothing was searched (a query with nothing a name, phone or code could contain)."""

    candidates: list = field(default_factory=list)
    more: bool = False
    unsearchable: bool = False
    limit: int = 10


def hotline_query_searchable(q: str) -> bool:
    """False for a query that folds to nothing searchable (emoji, Chinese text, `ß`, punctuation):
    such a query must find nobody rather than everybody."""
    from o2o_site.text import fold

    return any(ch.isalnum() for ch in fold(q)) or any(ch.isdigit() for ch in q or "")


def hotline_search(q: str, *, limit: int = 10) -> HotlineResult:
    """The hotline screen's search: at most `limit` candidates and whether more matched."""
    q = (q or "").replace("\x00", "").strip()
    if not q:
        return HotlineResult(limit=limit)
    if not hotline_query_searchable(q):
        return HotlineResult(unsearchable=True, limit=limit)
    found = hotline_lookup(q, limit=limit + 1)
    return HotlineResult(candidates=found[:limit], more=len(found) > limit, limit=limit)


def hotline_lookup(q: str, *, limit: int = 10) -> list[Candidate]:
    """Everything a caller might read out: phone, name, email, order number, voucher, ticket.

    Exact identifiers (ticket number, order number, voucher code) are tried first; then the
    customers app's search (phones in any format, folded names). Never guesses between several.
    """
    q = (q or "").replace("\x00", "").strip()
    if not q or not hotline_query_searchable(q):
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
    vip: bool = False
    points: int = 0
    orders_by_channel: list = field(default_factory=list)
    order_count: int = 0  # counted from the same rows as order_rows (orders_summary)
    order_rows: list = field(default_factory=list)  # OrderRow: the list shown beside order_count
    recent_orders: list = field(default_factory=list)
    latest_order: object = None
    open_tickets: list = field(default_factory=list)
    open_ticket_count: int = 0
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
    from customers.models import Activity

    # Filters from a query string: unknown kinds and NUL bytes (which PostgreSQL refuses) are dropped.
    kinds = [k for k in kinds or () if k in Activity.Kind.values]
    channels = [c for c in channels or () if c and "\x00" not in c and len(c) <= 50]
    customer = cs.customer_profile(customer_id)
    overview = CustomerOverview(customer=customer)
    overview.contact_points = list(getattr(customer, "live_contacts", []))
    overview.consents = list(getattr(customer, "consent_states", []))
    overview.segments = [m.segment for m in getattr(customer, "current_memberships", [])]
    overview.vip = any(getattr(seg, "code", "") in conf.vip_segment_codes() for seg in overview.segments)
    # customer_profile has just read the row (points_balance is its cached ledger sum): no second query.
    overview.points = customer.points_balance
    overview.marketing_sms = any(
        getattr(c, "channel", "") == "sms" and getattr(c, "purpose", "") == "marketing" and getattr(c, "granted", False)
        for c in overview.consents
    )
    # Headers only: neither the screen nor the API shows order lines.
    overview.recent_orders = orders_for_customer(customer, limit=10, with_lines=False)
    overview.latest_order = overview.recent_orders[0] if overview.recent_orders else None
    orders = orders_summary(customer, recent_orders=overview.recent_orders)
    overview.order_count, overview.orders_by_channel, overview.order_rows = orders.count, orders.by_channel, orders.rows
    open_total = (
        Ticket.objects.filter(customer=customer, status__in=Ticket.OPEN_STATUSES)
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    overview.open_tickets = list(
        Ticket.objects.filter(customer=customer)
        .select_related("category", "department", "assignee")
        # how many are open in all, carried on every row, so the count needs no query of its own
        .annotate(open_total=Subquery(open_total))
        .order_by(
            # open first, then newest
            models_case_open_first(),
            "-created_at",
        )[:10]
    )
    overview.open_ticket_count = (overview.open_tickets[0].open_total or 0) if overview.open_tickets else 0
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


@dataclass
class OrderRow:
    """One line of the hotline's order list: an Order, or a purchase customers counted that has no
    Order row (imported from another system), so the list holds every order the count counts."""

    number: str
    external_id: str
    channel: str  # a SalesChannel code or kind, named through code_labels()
    channel_name: str
    store_name: str
    placed_at: datetime | None
    total: int
    status_label: str
    is_order: bool


@dataclass
class OrdersSummary:
    count: int = 0
    by_channel: list = field(default_factory=list)
    rows: list = field(default_factory=list)


def orders_summary(customer, *, recent_orders=(), limit: int = 10) -> OrdersSummary:
    """The customer's orders for the hotline: their count, per channel, and the latest `limit`.

    One source for all three: the customer's Order rows plus the purchases customers counted
    with no Order row (an import from another system). Without the latter the count said 3
    while the list showed 2. `recent_orders` are the latest Orders already read (headers with
    channel and store). Two grouped queries, and one more only when such purchases exist.

    channels and customers offer no grouped selector for it yet, so this reads their Order and
    Purchase rows directly (read only).
    """
    from django.db.models import CharField, Sum, Value

    from channels.models import Order
    from customers.models import Purchase

    orphans = Purchase.objects.filter(customer_id=customer.pk, reversed_at__isnull=True).exclude(
        order_ref__in=Order.objects.filter(customer_id=customer.pk).values("number")
    )
    # Orders and orphan purchases grouped by channel in one UNION: (source, code, name, count, amount).
    text = CharField()
    grouped = (
        Order.objects.filter(customer_id=customer.pk)
        .order_by()
        .annotate(source=Value("order", output_field=text))
        .values_list("source", "channel__code", "channel__name")
        .annotate(orders=Count("pk"), amount=Sum("total"))
        .union(
            orphans.order_by()
            .annotate(source=Value("purchase", output_field=text), name=Value("", output_field=text))
            .values_list("source", "channel", "name")
            .annotate(orders=Count("pk"), amount=Sum("amount")),
            all=True,
        )
    )
    groups: dict[str, dict] = {}
    orphan_count = 0
    labels = None
    for source, code, name, count, amount in grouped:
        code = code or ""
        if source == "purchase":
            orphan_count += count
            labels = labels or code_labels()
            name = labels["channels"].get(code, code or "—")
        group = groups.setdefault(code, {"channel": code, "channel_name": name or "—", "orders": 0, "amount": 0})
        group["orders"] += count
        group["amount"] += amount or 0
    rows = [
        OrderRow(
            number=o.number,
            external_id=o.external_id,
            channel=o.channel.code if o.channel_id else "",
            channel_name=o.channel.name if o.channel_id else "—",
            store_name=o.store.name if getattr(o, "store_id", None) else "",
            placed_at=o.placed_at,
            total=o.total,
            status_label=str(o.get_status_display()),
            is_order=True,
        )
        for o in recent_orders
    ]
    if orphan_count:
        for p in orphans.order_by("-occurred_at", "-pk")[:limit]:
            rows.append(
                OrderRow(
                    number=p.order_ref,
                    external_id="",
                    channel=p.channel,
                    channel_name=labels["channels"].get(p.channel, p.channel or "—"),
                    store_name=labels["stores"].get((p.store_code or "").lower(), p.store_code),
                    placed_at=p.occurred_at,
                    total=p.amount,
                    status_label=str(_("Đã mua (nhập từ hệ thống khác, không có chi tiết đơn)")),
                    is_order=False,
                )
            )
        rows.sort(key=lambda row: row.placed_at or timezone.now(), reverse=True)
    by_channel = sorted(groups.values(), key=lambda g: (-g["amount"], g["channel"]))
    return OrdersSummary(count=sum(g["orders"] for g in by_channel), by_channel=by_channel, rows=rows[:limit])


def code_labels() -> dict[str, dict[str, str]]:
    """Names for the codes other apps store as text (activity channels, store codes): the screens
    show "TikTok" and "O2O Quận 1", never `tiktok` or `hcm-q1`. Two small queries.

    Store codes are matched case-insensitively: imports wrote `HCM-Q7` where the store is `hcm-q7`.
    """
    from django.db.models import CharField, Value

    from channels.models import SalesChannel, Store

    channels = {str(value): str(label) for value, label in SalesChannel.Kind.choices}
    stores: dict[str, str] = {}
    rows = (
        SalesChannel.objects.annotate(table=Value("channel", output_field=CharField()))
        .values_list("table", "code", "name")
        .union(
            Store.objects.annotate(table=Value("store", output_field=CharField())).values_list("table", "code", "name")
        )
    )
    for table, code, name in rows:
        if table == "channel":
            channels[code] = name
        else:
            stores[code.lower()] = name
    return {"channels": channels, "stores": stores}


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
