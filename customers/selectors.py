"""Every non-trivial read about customers, shaped for the screen or endpoint that needs it.

Selectors own their select_related/prefetch_related so serializers and templates never query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from o2o_site.api import NotFound
from o2o_site.phones import normalize_phone
from o2o_site.text import fold

from .models import (
    AccessLog,
    Activity,
    ConsentEvent,
    ConsentState,
    ConsentText,
    ContactKind,
    ContactPoint,
    Customer,
    MergeCandidate,
    Message,
    PointsEntry,
    Purchase,
    Segment,
    SegmentMembership,
)

_PHONEISH = re.compile(r"^[\d\s+().\-/]+$")


def customer_get(customer_id) -> Customer:
    """The customer by id, following merge tombstones to the survivor. Raises NotFound."""
    try:
        customer = Customer.objects.get(pk=int(customer_id))
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Không tìm thấy khách hàng."))
    seen = set()
    while customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


# Identifier kinds matched by exact value when the query is neither a phone nor an email.
_ID_KINDS = [k for k in ContactKind.values if k not in (ContactKind.PHONE, ContactKind.EMAIL)]
# An identifier query that matches more profiles than this is too vague to be useful.
_MAX_IDENTIFIER_MATCHES = 1000


def _identifier_condition(q: str) -> Q | None:
    """Contact points the query designates, each lookup on an index (unique (kind, value),
    the reversed-digits prefix index, the trigram index for email prefixes)."""
    if "@" in q:
        return Q(kind=ContactKind.EMAIL, value__startswith=q.lower())
    condition = Q(kind__in=_ID_KINDS, value=q)
    if _PHONEISH.match(q):
        digits = re.sub(r"\D", "", q)
        phone = normalize_phone(q)
        if phone.ok and len(digits) >= 9:
            condition |= Q(kind=ContactKind.PHONE, value=phone.e164)
        elif len(digits) >= 4:
            # Reversed digits are stored, so "ends with 5678" is a prefix scan on an index.
            condition |= Q(kind=ContactKind.PHONE, search_value__startswith=digits[::-1])
    return condition


def _search_filter(q: str) -> Q | None:
    """The WHERE for a search box: phone in any format or its last 4+ digits, email, ids, folded name.

    Matching contact points are fetched first (one indexed query) and joined as a short id list,
    so PostgreSQL never has to scan customers to evaluate an OR of subqueries.
    """
    q = (q or "").strip()
    if not q:
        return None
    ids = list(
        ContactPoint.objects.filter(_identifier_condition(q), is_blocked=False)
        .values_list("customer_id", flat=True)
        .distinct()[:_MAX_IDENTIFIER_MATCHES]
    )
    condition = Q(pk__in=ids)
    if q.isdigit() and len(q) < 9:
        condition |= Q(pk=int(q))  # a customer number typed into the search box
    if "@" in q or _PHONEISH.match(q):
        return condition
    words = [word for word in fold(q).split(" ") if word]
    if not words:  # emoji, Chinese text, `ß`: nothing a folded name could contain, so no name match
        return condition
    name = Q()
    for word in words:
        name &= Q(search_name__contains=word)
    return condition | name


def customer_search_queryset(
    q: str = "",
    *,
    segment: str = "",
    store: str = "",
    lifecycle: str = "",
) -> QuerySet[Customer]:
    """Live customers matching a search and filters, newest buyers first (for lists and the API)."""
    queryset = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    condition = _search_filter(q)
    if condition is not None:
        queryset = queryset.filter(condition)
    if segment:
        queryset = queryset.filter(
            pk__in=SegmentMembership.objects.filter(segment__code=segment, left_at__isnull=True).values("customer_id")
        )
    if store:
        queryset = queryset.filter(preferred_store_code=store)
    if lifecycle:
        queryset = queryset.filter(lifecycle=lifecycle)
    return queryset.order_by("-last_purchase_at", "-pk")


def customer_search(q: str, limit: int = 20) -> list[Customer]:
    """Finds customers by phone (any format, or last 4+ digits), email, Zalo/marketplace id or name.

    Names match without diacritics and in any case (`nguyen van an` finds `Nguyễn Văn An`).
    Answers at most `limit` live customers, with their contact points prefetched.
    """
    if not (q or "").strip():
        return []
    return list(customers_with_contacts(customer_search_queryset(q))[: max(1, min(int(limit), 200))])


def _contact_prefetches() -> tuple[Prefetch, Prefetch]:
    return (
        Prefetch(
            "contact_points",
            queryset=ContactPoint.objects.filter(is_blocked=False).order_by("kind", "-is_primary", "pk"),
            to_attr="live_contacts",
        ),
        Prefetch(
            "segment_memberships",
            queryset=SegmentMembership.objects.filter(left_at__isnull=True).select_related("segment"),
            to_attr="current_memberships",
        ),
    )


def customers_with_contacts(queryset: QuerySet[Customer]) -> QuerySet[Customer]:
    """Prefetches what a customer list shows: live contact points and current segments."""
    return queryset.prefetch_related(*_contact_prefetches())


def customer_profile(customer_id) -> Customer:
    """A customer with everything the profile shows, in a fixed number of queries.

    The row customer_get has just read is the one prefetched onto, not read a second time.
    """
    customer = customer_get(customer_id)
    prefetch_related_objects(
        [customer],
        *_contact_prefetches(),
        Prefetch("consents", queryset=ConsentState.objects.order_by("channel", "purpose"), to_attr="consent_states"),
    )
    return customer


@dataclass
class TimelinePage:
    items: list[Activity]
    page: int
    page_size: int
    count: int | None  # None when the caller asked for no count (with_count=False)
    has_next: bool = False
    has_previous: bool = False
    kinds: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        if self.count is None:  # only what is known: this page, and one more if there is one
            return self.page + (1 if self.has_next else 0)
        return max(1, -(-self.count // self.page_size))


def customer_timeline(
    customer, kinds=None, channels=None, page: int = 1, page_size: int = 25, *, with_count: bool = True
) -> TimelinePage:
    """The newest activities of one customer (index range scan on (customer, -occurred_at, -id)).

    `with_count=False` skips the COUNT(*) (which reads every matching row of a long history):
    `has_next` then comes from fetching one row more than the page, and `count` is None.
    """
    page = max(1, int(page or 1))
    page_size = max(1, min(int(page_size or 25), 200))
    queryset = Activity.objects.filter(customer_id=customer.pk if hasattr(customer, "pk") else int(customer))
    kinds = [k for k in (kinds or []) if k]
    channels = [c for c in (channels or []) if c]
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    if channels:
        queryset = queryset.filter(channel__in=channels)
    offset = (page - 1) * page_size
    ordered = queryset.order_by("-occurred_at", "-id")
    if with_count:
        count = queryset.count()
        items = list(ordered[offset : offset + page_size])
        has_next = offset + page_size < count
    else:
        count = None
        items = list(ordered[offset : offset + page_size + 1])
        has_next = len(items) > page_size
        del items[page_size:]
    return TimelinePage(
        items=items,
        page=page,
        page_size=page_size,
        count=count,
        has_next=has_next,
        has_previous=page > 1,
        kinds=kinds,
        channels=channels,
    )


def points_balance(customer) -> int:
    """The current points balance, read fresh from the database."""
    customer_id = customer.pk if hasattr(customer, "pk") else int(customer)
    return Customer.objects.filter(pk=customer_id).values_list("points_balance", flat=True).first() or 0


def points_ledger(customer) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(customer_id=customer.pk).order_by("-created_at", "-pk")


def consent_history(customer) -> QuerySet[ConsentEvent]:
    return (
        ConsentEvent.objects.filter(customer_id=customer.pk)
        .select_related("text", "recorded_by")
        .order_by("-occurred_at", "-pk")
    )


def consent_texts_current() -> dict[str, ConsentText]:
    """The newest published consent wording per purpose (what staff read out to the customer)."""
    current: dict[str, ConsentText] = {}
    for text in ConsentText.objects.filter(published_at__lte=timezone.now()).order_by(
        "purpose", "-published_at", "-pk"
    ):
        current.setdefault(text.purpose, text)
    return current


def messages_for_ref(ref_type: str, ref_id) -> list[Message]:
    """Messages sent about one thing (a ticket, a voucher), newest first."""
    return list(Message.objects.filter(ref_type=ref_type, ref_id=str(ref_id)).order_by("-created_at", "-pk"))


def customer_messages(customer, limit: int = 10) -> list[Message]:
    """The latest messages sent to a customer, with their delivery status and the clicks on
    their tracked links (`link_count`, `link_clicks`), in one query."""
    from django.db.models import Count, Sum
    from django.db.models.functions import Coalesce

    return list(
        Message.objects.filter(customer_id=customer.pk)
        .annotate(link_count=Count("links"), link_clicks=Coalesce(Sum("links__click_count"), 0))
        .order_by("-created_at", "-pk")[:limit]
    )


def customer_primary_phone(customer) -> str:
    return (
        ContactPoint.objects.filter(customer_id=customer.pk, kind=ContactKind.PHONE, is_blocked=False)
        .order_by("-is_primary", "-created_at", "-pk")
        .values_list("value", flat=True)
        .first()
        or ""
    )


def segment_members(segment) -> QuerySet[Customer]:
    """Current members of a segment (uses the partial index on open stays)."""
    return Customer.objects.filter(
        pk__in=SegmentMembership.objects.filter(segment=segment, left_at__isnull=True).values("customer_id")
    )


def customer_segments(customer) -> list[Segment]:
    """The segments a customer is in now."""
    return list(
        Segment.objects.filter(memberships__customer_id=customer.pk, memberships__left_at__isnull=True).order_by("name")
    )


def segments_active() -> list[Segment]:
    return list(Segment.objects.filter(is_active=True).order_by("name"))


def merge_queue() -> QuerySet[MergeCandidate]:
    """Open merge candidates between two live profiles, most certain first."""
    return (
        MergeCandidate.objects.filter(
            status=MergeCandidate.Status.OPEN,
            customer_a__merged_into__isnull=True,
            customer_b__merged_into__isnull=True,
        )
        .select_related("customer_a", "customer_b")
        .order_by("-score", "-created_at")
    )


def customer_export_data(customer: Customer) -> dict:
    """The customers app's own part of a personal-data export."""

    def iso(value):
        return value.isoformat() if value else None

    return {
        "customer": {
            "id": customer.pk,
            "full_name": customer.full_name,
            "birthday": iso(customer.birthday),
            "gender": customer.gender,
            "district": customer.district,
            "city": customer.city,
            "source": customer.source,
            "lifecycle": customer.lifecycle,
            "created_at": iso(customer.created_at),
            "order_count": customer.order_count,
            "lifetime_value": customer.lifetime_value,
            "points_balance": customer.points_balance,
        },
        "contact_points": [
            {"kind": c.kind, "value": c.value, "source": c.source, "created_at": iso(c.created_at)}
            for c in ContactPoint.objects.filter(customer=customer).order_by("pk")
        ],
        "consents": [
            {
                "channel": e.channel,
                "purpose": e.purpose,
                "granted": e.granted,
                "source": e.source,
                "text_version": e.text.version if e.text else None,
                "evidence": e.evidence,
                "occurred_at": iso(e.occurred_at),
            }
            for e in ConsentEvent.objects.filter(customer=customer).select_related("text").order_by("occurred_at", "pk")
        ],
        "purchases": [
            {
                "order_ref": p.order_ref,
                "amount": p.amount,
                "channel": p.channel,
                "store_code": p.store_code,
                "occurred_at": iso(p.occurred_at),
                "reversed_at": iso(p.reversed_at),
            }
            for p in Purchase.objects.filter(customer=customer).order_by("occurred_at", "pk")
        ],
        "points": [
            {"kind": e.kind, "points": e.points, "reason": e.reason, "created_at": iso(e.created_at)}
            for e in PointsEntry.objects.filter(customer=customer).order_by("created_at", "pk")
        ],
        "activities": [
            {
                "kind": a.kind,
                "occurred_at": iso(a.occurred_at),
                "channel": a.channel,
                "store_code": a.store_code,
                "summary": a.summary,
                "ref_type": a.ref_type,
                "ref_id": a.ref_id,
                "amount": a.amount,
                "utm": a.utm,
            }
            for a in Activity.objects.filter(customer=customer).order_by("occurred_at", "pk")
        ],
        "messages": [
            {
                "channel": m.channel,
                "purpose": m.purpose,
                "to": m.to_address,
                "body": m.body,
                "status": m.status,
                "created_at": iso(m.created_at),
            }
            for m in Message.objects.filter(customer=customer).order_by("created_at", "pk")
        ],
        "segments": [
            {"code": m.segment.code, "joined_at": iso(m.joined_at), "left_at": iso(m.left_at)}
            for m in SegmentMembership.objects.filter(customer=customer).select_related("segment").order_by("joined_at")
        ],
    }


# --- the counter: one customer, identified, masked ------------------------------------------


def mask_phone(e164: str) -> str:
    """`+84943123000` → `0943 *** 000`: enough for the customer to recognise, not to copy."""
    value = e164 or ""
    national = "0" + value[3:] if value.startswith("+84") else value
    if len(national) < 8:
        return "***"
    return f"{national[:4]} *** {national[-3:]}"


def mask_name(full_name: str) -> str:
    """`Nguyễn Văn An` → `N. V. An`: the given name the cashier greets, initials for the rest."""
    words = (full_name or "").split()
    if not words:
        return ""
    return " ".join([f"{w[0]}." for w in words[:-1]] + [words[-1]])


@dataclass(frozen=True)
class CounterCustomer:
    """What a counter may see of a customer: no e-mail, no address, no purchase history."""

    id: int
    display_name: str
    phone_masked: str
    points_balance: int


def customer_counter_lookup(*, phone: str = "", member_code: str = "") -> list[CounterCustomer]:
    """The customer(s) whose exact phone or genuine member code is in front of the cashier.

    Never a partial match and never a list of strangers: a phone answers the live profiles that
    hold exactly that number (rarely more than one), a member code its one profile.
    """
    from .verification import member_code_customer_id

    queryset = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    typed = ""
    if member_code:
        customer_id = member_code_customer_id(member_code)
        if customer_id is None:
            return []
        queryset = queryset.filter(pk=customer_id)
    else:
        parsed = normalize_phone(phone)
        if not parsed.ok:
            return []
        typed = parsed.e164
        queryset = queryset.filter(
            pk__in=ContactPoint.objects.filter(kind=ContactKind.PHONE, value=parsed.e164, is_blocked=False).values(
                "customer_id"
            )
        )
    found = []
    for customer in customers_with_contacts(queryset.order_by("pk"))[:3]:
        phones = [p.value for p in customer.live_contacts if p.kind == ContactKind.PHONE]
        shown = typed or (phones[0] if phones else "")
        found.append(
            CounterCustomer(
                id=customer.pk,
                display_name=mask_name(customer.full_name),
                phone_masked=mask_phone(shown),
                points_balance=customer.points_balance,
            )
        )
    return found


# --- access log -----------------------------------------------------------------------------


def access_log_filters(cleaned: dict) -> dict:
    """The access-log screen's form data → `access_log_list` arguments (dates as Vietnam days)."""
    import datetime as dt

    def day_start(day):
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min)) if day else None

    until = cleaned.get("until")
    user_id = None
    if cleaned.get("user"):
        from django.contrib.auth import get_user_model

        user_id = (
            get_user_model().objects.filter(username=cleaned["user"].strip()).values_list("pk", flat=True).first() or 0
        )
    return {
        "user_id": user_id,
        "customer_id": cleaned.get("customer"),
        "action": cleaned.get("action") or "",
        "source": (cleaned.get("source") or "").strip(),
        "since": day_start(cleaned.get("since")),
        "until": day_start(until + dt.timedelta(days=1)) if until else None,
    }


def access_log_list(
    *,
    user_id: int | None = None,
    customer_id: int | None = None,
    action: str = "",
    source: str = "",
    since=None,
    until=None,
) -> QuerySet[AccessLog]:
    """The access log, newest first, with the viewer fetched (for the Manager's screen)."""
    queryset = AccessLog.objects.select_related("user")
    if user_id is not None:
        queryset = queryset.filter(user_id=user_id)
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    if action:
        queryset = queryset.filter(action=action)
    if source:
        queryset = queryset.filter(source=source)
    if since:
        queryset = queryset.filter(at__gte=since)
    if until:
        queryset = queryset.filter(at__lt=until)
    return queryset.order_by("-at", "-id")


def link_clicks_for_messages(message_ids) -> dict[int, int]:
    """message id → clicks on its tracked links (one query), for the messages screens."""
    from django.db.models import Sum

    from .models import TrackedLink

    rows = (
        TrackedLink.objects.filter(message_id__in=list(message_ids))
        .values("message_id")
        .annotate(clicks=Sum("click_count"))
        .order_by()
    )
    return {r["message_id"]: int(r["clicks"] or 0) for r in rows}


def link_click_through(*, ref_type: str = "", ref_ids=None, campaign_ids=None, since=None, until=None) -> dict:
    """Click-through of sent messages, keyed by the message's ref_id (ref_ids given) or by the
    links' campaign id (those of `campaign_ids`, or every campaign when None):
    {key: {"messages": sent, "clicked": messages with a click, "rate": %}}.
    Two queries, whatever the number of keys."""
    from django.db.models import Count, Exists, OuterRef

    from .models import TrackedLink

    if ref_ids is not None:
        key = "ref_id"
        messages = Message.objects.filter(ref_type=ref_type, ref_id__in=[str(r) for r in ref_ids])
    else:
        key = "campaign"
        links = TrackedLink.objects.filter(message_id=OuterRef("pk"), campaign_id__isnull=False)
        if campaign_ids is not None:
            links = links.filter(campaign_id__in=list(campaign_ids))
        messages = Message.objects.filter(Exists(links)).annotate(
            campaign=TrackedLink.objects.filter(message_id=OuterRef("pk")).values("campaign_id")[:1]
        )
    if since is not None:
        messages = messages.filter(created_at__gte=since)
    if until is not None:
        messages = messages.filter(created_at__lt=until)
    clicked = TrackedLink.objects.filter(message_id=OuterRef("pk"), first_clicked_at__isnull=False)
    rows = (
        messages.annotate(was_clicked=Exists(clicked))
        .values(key)
        .annotate(sent=Count("pk"), clicked=Count("pk", filter=Q(was_clicked=True)))
        .order_by()
    )
    out = {}
    for r in rows:
        k = r[key]
        out[int(k) if key == "campaign" else str(k)] = {
            "messages": r["sent"],
            "clicked": r["clicked"],
            "rate": round(100 * r["clicked"] / r["sent"], 1) if r["sent"] else 0.0,
        }
    return out
