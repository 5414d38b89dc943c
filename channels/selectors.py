"""Reads of the channels app, shaped for the screens and endpoints (and for other apps).

Other apps (promotions, support, reports) read channels only through these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, F, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from o2o_site.roles import Role, has_role

from .models import (
    SKU,
    ChannelGoal,
    ChannelLocation,
    CheckIn,
    Listing,
    Order,
    OrderLine,
    OrderReturn,
    OrderReturnLine,
    SalesChannel,
    Stock,
    Store,
)


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


def order_search(q: str, *, limit: int = 20) -> list[Order]:
    """Orders a caller can name: our number or a marketplace id, or the customer's exact phone
    (their latest `limit` orders). Never a partial match: this is how agents find orders."""
    from customers.selectors import customer_counter_lookup

    q = (q or "").strip()[:40]
    if not q:
        return []
    found = order_find(q)
    if found is not None:
        return [found]
    customer_ids = [c.id for c in customer_counter_lookup(phone=q)]
    if not customer_ids:
        return []
    return list(_orders_qs().filter(customer_id__in=customer_ids).order_by("-placed_at", "-pk")[:limit])


def order_list(*, filters: dict | None = None) -> QuerySet[Order]:
    qs = _orders_qs().order_by("-placed_at", "-pk")
    return qs.filter(**(filters or {}))


def stock_for_sku(sku: SKU) -> list[Stock]:
    return list(Stock.objects.filter(sku=sku).select_related("location", "sku").order_by("location__code"))


def stock_list() -> QuerySet[Stock]:
    return Stock.objects.select_related("sku", "location").order_by("sku__code", "location__code")


@dataclass(frozen=True)
class ChannelSetup:
    """What a channel's set-up allows its listings to be (read from settings, no query)."""

    channel: SalesChannel
    configured: bool
    pushes: bool
    content: bool
    missing: list[str]

    @property
    def env_names(self) -> list[str]:
        prefix = "CHANNEL_" + self.channel.code.upper().replace("-", "_") + "_"
        return [prefix + key.upper() for key in self.missing]


def channel_setups(channels: Iterable[SalesChannel]) -> dict[int, ChannelSetup]:
    from .adapters import adapter_for

    out = {}
    for channel in channels:
        adapter = adapter_for(channel)
        out[channel.pk] = ChannelSetup(
            channel=channel,
            configured=adapter.configured,
            pushes=adapter.pushes,
            content=adapter.pushes and adapter.pushes_content,
            missing=adapter.missing_credentials if adapter.pushes else [],
        )
    return out


def _listing_state(setups: dict[int, ChannelSetup]):
    """A listing's state as users may be told it: a channel without credentials is "not
    configured" and a switched-off one "paused", whatever the stored row still says (the
    periodic reconcile catches the rows up; settings change without a database write)."""
    unconfigured = [pk for pk, setup in setups.items() if not setup.configured]
    paused = [pk for pk, setup in setups.items() if setup.configured and not setup.channel.is_active]
    S = Listing.SyncState
    return Case(
        When(channel_id__in=unconfigured or [0], then=Value(S.NOT_CONFIGURED)),
        When(channel_id__in=paused or [0], sync_state__in=[S.PENDING, S.NOT_CONFIGURED], then=Value(S.PAUSED)),
        default=F("sync_state"),
        output_field=CharField(),
    )


def listing_list() -> QuerySet[Listing]:
    """Listings with `state`: the sync state as it may be shown (see `_listing_state`)."""
    setups = channel_setups(SalesChannel.objects.all())
    return (
        Listing.objects.select_related("sku", "sku__product", "channel")
        .annotate(state=_listing_state(setups))
        .order_by("channel__code", "sku__code")
    )


def listing_get(pk: int) -> Listing | None:
    return listing_list().filter(pk=pk).first()


def sync_status_summary() -> list[dict]:
    """Per channel: its set-up (credentials, what it receives, fulfilment locations), listings
    by state, and per field (price, stock, content) how many the channel does not hold yet.
    Content is None where the channel receives none. Three queries whatever the data."""
    channels = list(SalesChannel.objects.exclude(kind=SalesChannel.Kind.STORE).order_by("code"))
    setups = channel_setups(channels)
    S = Listing.SyncState
    unsynced = {
        "price": Q(synced_price__isnull=True) | ~Q(synced_price=F("price")),
        "stock": Q(synced_quantity__isnull=True) | ~Q(synced_quantity=F("published_quantity")),
        "content": Q(synced_content_version__isnull=True) | ~Q(synced_content_version=F("content_version")),
    }
    counts = {
        row["channel_id"]: row
        for row in Listing.objects.annotate(state=_listing_state(setups))
        .values("channel_id")
        .annotate(
            total=Count("pk"),
            **{state: Count("pk", filter=Q(state=state)) for state in S.values},
            **{f"{name}_unsynced": Count("pk", filter=cond) for name, cond in unsynced.items()},
        )
    }
    locations = dict(
        ChannelLocation.objects.filter(location__is_active=True)
        .values("channel_id")
        .annotate(n=Count("pk"))
        .values_list("channel_id", "n")
    )
    out = []
    for channel in channels:
        row = counts.get(channel.pk, {})
        setup = setups[channel.pk]
        out.append(
            {
                "channel": channel,
                "setup": setup,
                "total": row.get("total", 0),
                "price_unsynced": row.get("price_unsynced", 0) if setup.configured else None,
                "stock_unsynced": row.get("stock_unsynced", 0) if setup.configured else None,
                "content_unsynced": row.get("content_unsynced", 0) if setup.configured and setup.content else None,
                "locations": locations.get(channel.pk, 0),
                **{state: row.get(state, 0) for state in S.values},
            }
        )
    return out


def sync_failures(*, channel: SalesChannel | None = None) -> QuerySet[Listing]:
    """Failed listings, newest first, each with the channel's own error (`last_error`)."""
    qs = listing_list().filter(state=Listing.SyncState.FAILED).order_by("-updated_at", "-pk")
    if channel is not None:
        qs = qs.filter(channel=channel)
    return qs


def sync_retrying(*, channel: SalesChannel | None = None) -> QuerySet[Listing]:
    """Listings still pending after failed pushes (attempts so far, last error, next try), the
    next to be tried first: what a failing marketplace looks like before it gives up."""
    qs = listing_list().filter(sync_state=Listing.SyncState.PENDING, attempts__gt=0).order_by("next_attempt_at", "pk")
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


def feed_listings(*, channel: SalesChannel) -> list[Listing]:
    """The listings a channel's catalogue feed holds (active ones), SKU and product loaded,
    with `variants`: how many SKUs the product has (one query)."""
    return list(
        Listing.objects.filter(channel=channel, is_active=True)
        .select_related("sku", "sku__product")
        .annotate(variants=Count("sku__product__skus"))
        .order_by("sku__code")
    )


COLOR_KEYS = ("màu", "mau", "color", "colour")
SIZE_KEYS = ("size", "cỡ", "kích cỡ", "kich co")


def _option(options: dict, keys: tuple[str, ...]) -> str:
    lowered = {str(k).strip().lower(): v for k, v in (options or {}).items()}
    return next((str(lowered[k]) for k in keys if lowered.get(k)), "")


def _gtin(barcode: str) -> str:
    code = (barcode or "").strip()
    return code if code.isdigit() and len(code) in (8, 12, 13, 14) else ""


def feed_rows(listings: Iterable[Listing]) -> tuple[list[list[str]], dict[int, str]]:
    """The feed's rows (in `adapters.feed.FEED_COLUMNS` order) and the listings left out with
    the reason ({listing id: the missing required attributes}). No queries."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from .adapters.feed import FEED_COLUMNS, REQUIRED

    rows, refused = [], {}
    for listing in listings:
        sku, product = listing.sku, listing.sku.product
        variants = getattr(listing, "variants", 1) or 1
        color, size = _option(sku.options, COLOR_KEYS), _option(sku.options, SIZE_KEYS)
        title = product.name
        if variants > 1:
            title = " - ".join([product.name, *[str(v) for v in (sku.options or {}).values() if v]])
        gtin = _gtin(sku.barcode)
        values = {
            "id": sku.code[:50],
            "item_group_id": f"P{product.pk}" if variants > 1 else "",
            "title": title[:150],
            "description": (product.description or product.name)[:5000],
            "link": product.web_url or settings.SITE_URL + reverse("channels:product-page", args=[sku.code]),
            "image_link": product.image_url,
            "availability": "in_stock" if listing.published_quantity > 0 else "out_of_stock",
            "price": f"{listing.price} VND",
            "condition": "new",
            "brand": product.brand[:70],
            "gtin": gtin,
            "identifier_exists": "yes" if gtin else "no",
            "color": color[:100],
            "size": size[:100],
        }
        missing = [name for name in REQUIRED if not values[name]]
        if missing:
            refused[listing.pk] = _("Thiếu thông tin bắt buộc của Google/Facebook: %(fields)s") % {
                "fields": ", ".join(missing)
            }
            continue
        rows.append([values[name] for name in FEED_COLUMNS])
    return rows, refused


def product_page(code: str) -> dict | None:
    """The public product page of a SKU: the product, its price and the stores holding it."""
    sku = SKU.objects.select_related("product").filter(code=code, is_active=True, product__is_active=True).first()
    if sku is None:
        return None
    stores = list(
        Store.objects.filter(
            is_active=True, is_warehouse=False, stock__sku=sku, stock__on_hand__gt=F("stock__reserved")
        )
        .order_by("code")
        .distinct()
    )
    return {"sku": sku, "product": sku.product, "stores": stores}


@dataclass(frozen=True)
class PickupTask:
    order: Order
    items: int
    due_at: dt.datetime  # to pick: the promise; ready: when it goes back to stock
    minutes_left: int  # negative: late

    @property
    def late(self) -> bool:
        return self.minutes_left < 0

    @property
    def late_minutes(self) -> int:
        return -self.minutes_left


def pickup_tasks(*, store: Store, now: dt.datetime | None = None) -> dict[str, list[PickupTask]]:
    """A store's click & collect task list: orders to pick (with the promise countdown, the
    latest first), ready ones waiting for the customer (with the day they go back to stock)
    and those collected today. Two queries whatever the number of orders."""
    from django.utils import timezone

    from . import conf

    now = now or timezone.now()
    S = Order.Status
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    orders = (
        Order.objects.filter(store=store, fulfilment=Order.Fulfilment.PICKUP)
        .filter(
            Q(status__in=[S.PENDING, S.CONFIRMED, S.PACKED, S.READY_FOR_PICKUP])
            | Q(status=S.COLLECTED, collected_at__gte=today)
        )
        .select_related("customer")
        .annotate(items=Coalesce(Sum("lines__quantity"), 0))
        .order_by("placed_at", "pk")
    )
    promise = dt.timedelta(minutes=conf.pickup_promise_minutes())
    hold = dt.timedelta(days=conf.pickup_hold_days())
    out: dict[str, list[PickupTask]] = {"to_pick": [], "ready": [], "collected": []}
    for order in orders:
        if order.status == S.COLLECTED:
            due, key = order.collected_at, "collected"
        elif order.status == S.READY_FOR_PICKUP:
            due, key = order.ready_at + hold, "ready"
        else:
            due, key = order.placed_at + promise, "to_pick"
        minutes = int((due - now).total_seconds() // 60)
        out[key].append(PickupTask(order=order, items=order.items, due_at=due, minutes_left=minutes))
    out["collected"].reverse()
    return out


def pickup_order_by_pass(token: str) -> Order | None:
    """The order a customer's signed pickup link names (None when forged or unknown)."""
    from django.core import signing

    try:
        number = signing.loads(token, salt="channels.pickup-pass")
    except signing.BadSignature:
        return None
    return Order.objects.select_related("store").filter(number=number, fulfilment=Order.Fulfilment.PICKUP).first()


def order_return_get(pk: int) -> OrderReturn | None:
    """A return with its store, lines (SKU loaded) and its order as `order_find` loads it."""
    receipt = (
        OrderReturn.objects.select_related("store")
        .prefetch_related(Prefetch("lines", queryset=OrderReturnLine.objects.select_related("sku").order_by("pk")))
        .filter(pk=pk)
        .first()
    )
    if receipt is not None:
        receipt.order = _orders_qs().get(pk=receipt.order_id)
    return receipt
