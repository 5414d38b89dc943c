"""Reads of the channels app, shaped for the screens and endpoints (and for other apps).

Other apps (promotions, support, reports) read channels only through these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from o2o_site.roles import Role, has_role

from .models import SKU, ChannelGoal, CheckIn, Listing, Order, OrderLine, SalesChannel, Stock, Store


def stores_for_user(user) -> list[Store]:
    """The active stores a user may act in: every store for a manager, the bound ones otherwise."""
    if user is None or not user.is_authenticated:
        return []
    qs = Store.objects.filter(is_active=True, is_warehouse=False)
    if not has_role(user, Role.MANAGER):
        qs = qs.filter(staff=user)
    return list(qs.order_by("code"))


def store_get_by_code(code: str) -> Store | None:
    if not code:
        return None
    return Store.objects.filter(code=str(code).strip()).first()


def channel_get_by_code(code: str) -> SalesChannel | None:
    if not code:
        return None
    return SalesChannel.objects.filter(code=str(code).strip()).first()


def sku_get_by_code_or_barcode(value: str) -> SKU | None:
    """An SKU by its code (exact, then case-insensitive) or its barcode; product preloaded."""
    value = (value or "").strip()
    if not value:
        return None
    qs = SKU.objects.select_related("product")
    return qs.filter(code=value).first() or qs.filter(barcode=value).first() or qs.filter(code__iexact=value).first()


def _orders_qs() -> QuerySet[Order]:
    return Order.objects.select_related("channel", "store", "customer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))
    )


def order_find(q: str) -> Order | None:
    """An order by our number or a channel's external id (the newest when several match)."""
    q = (q or "").strip()
    if not q:
        return None
    qs = _orders_qs()
    return qs.filter(number__iexact=q).first() or qs.filter(external_id=q).order_by("-placed_at").first()


def orders_for_customer(customer, limit: int = 20, *, with_lines: bool = True) -> list[Order]:
    """The customer's latest orders across every channel, channel and store loaded, lines preloaded.

    `with_lines=False` is for screens that list order headers only: no lines query, and the
    customer (the caller's own) is not joined in again.
    """
    if customer is None:
        return []
    if with_lines:
        queryset = _orders_qs()
    else:
        queryset = Order.objects.select_related("channel", "store")
    return list(queryset.filter(customer=customer).order_by("-placed_at", "-pk")[:limit])


def order_list(*, filters: dict | None = None) -> QuerySet[Order]:
    qs = _orders_qs().order_by("-placed_at", "-pk")
    return qs.filter(**(filters or {}))


def stock_for_sku(sku: SKU) -> list[Stock]:
    return list(Stock.objects.filter(sku=sku).select_related("location", "sku").order_by("location__code"))


def stock_list() -> QuerySet[Stock]:
    return Stock.objects.select_related("sku", "location").order_by("sku__code", "location__code")


def listing_list() -> QuerySet[Listing]:
    return Listing.objects.select_related("sku", "sku__product", "channel").order_by("channel__code", "sku__code")


def sync_status_summary() -> list[dict]:
    """Per channel: listings in sync / pending / failed (one query)."""
    counts = {
        row["channel_id"]: row
        for row in Listing.objects.values("channel_id").annotate(
            in_sync=Count("pk", filter=Q(sync_state=Listing.SyncState.IN_SYNC)),
            pending=Count("pk", filter=Q(sync_state=Listing.SyncState.PENDING)),
            failed=Count("pk", filter=Q(sync_state=Listing.SyncState.FAILED)),
        )
    }
    out = []
    for channel in SalesChannel.objects.order_by("code"):
        row = counts.get(channel.pk, {})
        out.append(
            {
                "channel": channel,
                "in_sync": row.get("in_sync", 0),
                "pending": row.get("pending", 0),
                "failed": row.get("failed", 0),
            }
        )
    return out


def sync_failures(*, channel: SalesChannel | None = None) -> QuerySet[Listing]:
    qs = listing_list().filter(sync_state=Listing.SyncState.FAILED).order_by("-updated_at", "-pk")
    if channel is not None:
        qs = qs.filter(channel=channel)
    return qs


def checkin_list(*, user=None) -> QuerySet[CheckIn]:
    """Check-ins, newest first. Given a user who is not a manager or marketer (a cashier), only
    those at the user's own stores: a cashier never sees another store's visitors."""
    checkins = CheckIn.objects.select_related("store", "customer").order_by("-occurred_at", "-pk")
    if user is not None and not has_role(user, Role.MANAGER, Role.MARKETING):
        checkins = checkins.filter(store__in=[store.pk for store in stores_for_user(user)])
    return checkins


def goals_channels(*, year: int) -> tuple[list[SalesChannel], SalesChannel | None]:
    """Every channel for the goals screen, and the one to open on: the first that has goals in
    `year` (else the first channel), so the screen never opens on an empty table by default."""
    channels = list(SalesChannel.objects.order_by("code"))
    with_goals = set(
        ChannelGoal.objects.filter(month__year=year).values_list("channel_id", flat=True).distinct().order_by()
    )
    default = next((c for c in channels if c.pk in with_goals), channels[0] if channels else None)
    return channels, default


def goals_vs_actual(*, channel: SalesChannel, year: int) -> list[dict]:
    """Twelve rows: the month's goal next to its actual revenue, orders and new customers."""
    goals = {g.month.month: g for g in ChannelGoal.objects.filter(channel=channel, month__year=year)}
    live = Order.objects.filter(channel=channel, placed_at__year=year).exclude(
        status__in=[Order.Status.CANCELLED, Order.Status.RETURNED]
    )
    actual = {
        row["m"].month: row
        for row in live.annotate(m=TruncMonth("placed_at"))
        .values("m")
        .annotate(revenue=Coalesce(Sum("total"), 0), orders=Count("pk"))
    }
    # A customer is new to the channel in the month of their first order on it.
    firsts = (
        Order.objects.filter(channel=channel, customer__isnull=False)
        .values("customer_id")
        .annotate(first=TruncMonth(_min_placed()))
    )
    new_by_month: dict[int, int] = {}
    for row in firsts:
        if row["first"] and row["first"].year == year:
            new_by_month[row["first"].month] = new_by_month.get(row["first"].month, 0) + 1
    rows = []
    for month in range(1, 13):
        goal = goals.get(month)
        got = actual.get(month, {})
        rows.append(
            {
                "month": dt.date(year, month, 1),
                "goal": goal,
                "revenue": got.get("revenue", 0),
                "orders": got.get("orders", 0),
                "new_customers": new_by_month.get(month, 0),
            }
        )
    return rows


def _min_placed():
    from django.db.models import Min

    return Min("placed_at")


def channels_active(kinds: Iterable[str] | None = None) -> list[SalesChannel]:
    qs = SalesChannel.objects.filter(is_active=True)
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    return list(qs.order_by("code"))


def dashboard_headlines(day: dt.date) -> list:
    """The manager's landing page figures for `day`: revenue by channel, store visits, failing
    listings (3 queries whatever the data size)."""
    from o2o_site.dashboard import Headline, day_bounds
    from o2o_site.money import format_number, format_vnd

    start, end = day_bounds(day)
    by_channel = list(
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .exclude(status__in=[Order.Status.CANCELLED, Order.Status.RETURNED])
        .values("channel__name")
        .annotate(revenue=Coalesce(Sum("total"), 0), orders=Count("pk"))
        .order_by("-revenue", "channel__name")
    )
    visits = CheckIn.objects.filter(occurred_at__gte=start, occurred_at__lt=end).count()
    failing = Listing.objects.filter(sync_state=Listing.SyncState.FAILED).count()
    revenue = sum(int(r["revenue"]) for r in by_channel)
    return [
        Headline(
            label=_("Doanh thu hôm nay"),
            value=format_vnd(revenue),
            url_name="channels:orders",
            details=tuple(
                (r["channel__name"], f"{format_vnd(int(r['revenue']))} · {format_number(r['orders'])} {_('đơn')}")
                for r in by_channel
            ),
        ),
        Headline(label=_("Lượt ghé cửa hàng hôm nay"), value=format_number(visits), url_name="reports:stores"),
        Headline(
            label=_("Tin đăng đồng bộ lỗi"),
            value=format_number(failing),
            url_name="channels:sync-status",
            tone="danger" if failing else "ok",
        ),
    ]
