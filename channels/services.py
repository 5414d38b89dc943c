"""Every write of the channels app: catalogue, stock, listings and their sync, orders, check-ins.

Public services own their transaction. Stock is guarded by the database (check constraints and
conditional `UPDATE … WHERE on_hand - reserved >= n`), never by a read-then-write in Python.
Customers are reached only through `customers.services` (resolve, purchases, timeline).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, ExpressionWrapper, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from o2o_site.api import DomainError
from o2o_site.outbox import enqueue_after_commit

from . import conf
from .errors import (
    AlreadyListed,
    ChannelNotFound,
    InsufficientStock,
    InvalidInput,
    InvalidTransition,
    NoFulfilmentLocation,
    StoreNotAllowed,
    StoreNotFound,
)
from .models import (
    SKU,
    ChannelGoal,
    ChannelLocation,
    CheckIn,
    InboundEvent,
    Listing,
    Order,
    OrderBackfill,
    OrderLine,
    OrderReturn,
    OrderReturnLine,
    Product,
    SalesChannel,
    Stock,
    StockMovement,
    Store,
)

logger = logging.getLogger(__name__)

# Channel kinds whose listings are never pushed anywhere (sold at a counter).
NO_PUSH_KINDS = {SalesChannel.Kind.STORE}

# ---------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------


def product_create(
    *,
    name: str,
    skus: Sequence[dict],
    description: str = "",
    brand: str = "",
    category: str = "",
    launch_date: dt.date | None = None,
    image_url: str = "",
    web_url: str = "",
    channels: Sequence[str] = (),
) -> Product:
    """Creates a product and its SKUs (`code`, `barcode`, `price`, `options`), and lists every
    new SKU on the `channels` given by code (default rule: base price, all the stock).

    Raises InvalidInput when the name is empty, a SKU code repeats or already exists, or a
    channel code is unknown (nothing is written then).
    """
    name = (name or "").strip()
    fields: dict[str, list[str]] = {}
    if not name:
        fields["name"] = [_("Vui lòng nhập tên sản phẩm.")]
    if not skus:
        fields["skus"] = [_("Sản phẩm cần ít nhất một SKU.")]
    codes = [str(s.get("code", "")).strip() for s in skus]
    for i, (code, spec) in enumerate(zip(codes, skus, strict=True)):
        if not code:
            fields[f"skus.{i}.code"] = [_("Vui lòng nhập mã SKU.")]
        elif codes.index(code) != i:
            fields[f"skus.{i}.code"] = [_("Mã SKU bị lặp.")]
        price = spec.get("price")
        if not isinstance(price, int) or isinstance(price, bool) or price < 0:
            fields[f"skus.{i}.price"] = [_("Giá phải là số nguyên VND không âm.")]
    existing = set(SKU.objects.filter(code__in=[c for c in codes if c]).values_list("code", flat=True))
    for i, code in enumerate(codes):
        if code in existing:
            fields[f"skus.{i}.code"] = [_("Mã SKU %(code)s đã tồn tại.") % {"code": code}]
    wanted_channels = list(dict.fromkeys(str(c).strip() for c in channels or ()))
    found = {c.code: c for c in SalesChannel.objects.filter(code__in=wanted_channels)}
    unknown = [c for c in wanted_channels if c not in found]
    if unknown:
        fields["channels"] = [_("Không tìm thấy kênh: %(codes)s.") % {"codes": ", ".join(unknown)}]
    if fields:
        raise InvalidInput(_("Dữ liệu sản phẩm không hợp lệ."), fields=fields)
    with transaction.atomic():
        product = Product.objects.create(
            name=name,
            description=description,
            brand=brand,
            category=category,
            launch_date=launch_date,
            image_url=image_url,
            web_url=web_url,
        )
        SKU.objects.bulk_create(
            [
                SKU(
                    product=product,
                    code=code,
                    barcode=str(spec.get("barcode") or "").strip(),
                    options=spec.get("options") or {},
                    base_price=spec["price"],
                )
                for code, spec in zip(codes, skus, strict=True)
            ]
        )
        for code in wanted_channels:
            listings_create_for_channel(channel=found[code], skus=SKU.objects.filter(product=product))
    return product


def product_update(*, product: Product, **changes) -> Product:
    """Changes what channels show of a product; its listings become pending (content changed)."""
    allowed = {"name", "description", "brand", "category", "launch_date", "is_active", "image_url", "web_url"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(fields={k: [_("Không được phép sửa trường này.")] for k in unknown})
    changed = [k for k, v in changes.items() if getattr(product, k) != v]
    if not changed:
        return product
    with transaction.atomic():
        for key in changed:
            setattr(product, key, changes[key])
        product.content_version = F("content_version") + 1
        product.save(update_fields=[*changed, "content_version", "updated_at"])
        product.refresh_from_db(fields=["content_version"])
        Listing.objects.filter(sku__product=product).update(content_version=product.content_version)
        listings_refresh(skus=SKU.objects.filter(product=product), price=False, stock=False)
    return product


def sku_prices_change(
    *, skus: QuerySet[SKU] | Sequence[SKU], price: int | None = None, percent: int | None = None
) -> int:
    """Sets a new base price (or moves it by `percent`, rounded up to 1,000 ₫) for many SKUs.

    Set-based: one UPDATE for the SKUs, one for their listings. Returns the listings marked pending.
    """
    if (price is None) == (percent is None):
        raise InvalidInput(_("Nhập giá mới hoặc phần trăm thay đổi."))
    if price is not None and (not isinstance(price, int) or price < 0):
        raise InvalidInput(fields={"price": [_("Giá phải là số nguyên VND không âm.")]})
    if percent is not None and (not isinstance(percent, int) or percent <= -100):
        raise InvalidInput(fields={"percent": [_("Phần trăm không hợp lệ.")]})
    # A plain pk subquery: callers may pass annotated or sliced querysets.
    qs = SKU.objects.filter(pk__in=skus.values("pk") if isinstance(skus, QuerySet) else [s.pk for s in skus])
    with transaction.atomic():
        if price is not None:
            qs.update(base_price=price)
        else:
            # ceil(base × (100+p)/100 / 1000) × 1000 in integer arithmetic.
            qs.update(
                base_price=ExpressionWrapper(
                    (F("base_price") * (100 + percent) + 100 * 1000 - 1) / (100 * 1000) * 1000,
                    output_field=IntegerField(),
                )
            )
        return listings_refresh(skus=qs, stock=False)


# ---------------------------------------------------------------------------------------------
# Listings: what each channel should show, and which listings must be pushed
# ---------------------------------------------------------------------------------------------


def listings_refresh(
    *,
    skus: QuerySet[SKU] | None = None,
    sku_ids: Iterable[int] | None = None,
    listings: QuerySet[Listing] | None = None,
    location_ids: Iterable[int] | None = None,
    price: bool = True,
    stock: bool = True,
) -> int:
    """Recomputes price / published quantity of the affected listings and marks pending exactly
    those whose wanted values now differ from what the channel last accepted (a failed listing
    only when a value changes again, so the attempt cap holds; a not-configured or paused one
    keeps its state: nothing can be sent to it).

    A listing publishes the available units of its channel's fulfilment locations only,
    × allocation share − safety buffer (0 for a channel without locations). `location_ids` says
    where stock moved: only the listings of channels fulfilling from there are looked at. Content
    counts only on channels whose adapter sends it. Only rows whose values or state change are
    written. Set-based: one `UPDATE … FROM sku … RETURNING` on PostgreSQL (two statements on
    SQLite), whatever the number of listings — the hot path of every order and every price
    change, written in SQL because the ORM spends longer compiling it than the database running it.
    Enqueues a push per touched channel after commit. Returns the pending listings written.
    """
    from .adapters import content_kinds

    t, sku_t = Listing._meta.db_table, SKU._meta.db_table
    stock_t, store_t, channel_t = Stock._meta.db_table, Store._meta.db_table, SalesChannel._meta.db_table
    chloc_t = ChannelLocation._meta.db_table
    where, params = [], []
    if listings is not None:
        sql, more = listings.values("pk").query.sql_with_params()
        where.append(f"{t}.id IN ({sql})")
        params += list(more)
    if skus is not None:
        sql, more = skus.values("pk").query.sql_with_params()
        where.append(f"{t}.sku_id IN ({sql})")
        params += list(more)
    ids: list[int] = []
    if sku_ids is not None:
        ids = sorted(set(sku_ids))
        if not ids:
            return 0
        where.append(f"{t}.sku_id IN ({', '.join(['%s'] * len(ids))})")
        params += ids
    if location_ids is not None and not price:
        locations = sorted({pk for pk in location_ids if pk is not None})
        if not locations:
            return 0
        where.append(
            f"{t}.channel_id IN (SELECT channel_id FROM {chloc_t} WHERE location_id IN"
            f" ({', '.join(['%s'] * len(locations))}))"
        )
        params += locations
    kinds = sorted(str(k) for k in NO_PUSH_KINDS)
    where.append(f"{t}.channel_id NOT IN (SELECT id FROM {channel_t} WHERE kind IN ({', '.join(['%s'] * len(kinds))}))")
    params += kinds
    where_sql = " AND ".join(where)
    content = content_kinds()
    content_sql = (
        f"{t}.channel_id IN (SELECT id FROM {channel_t} WHERE kind IN ({', '.join(['%s'] * len(content))}))"
        if content
        else "1 = 0"
    )

    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    step = f"{greatest}({t}.price_rounding, 1)"
    new_price = (
        f"COALESCE({t}.price_override, (s.base_price * (100 + {t}.markup_percent) + {step} * 100 - 1)"
        f" / ({step} * 100) * {step})"
        if price
        else f"{t}.price"
    )
    new_qty = (
        f"{greatest}(COALESCE((SELECT SUM(st.on_hand - st.reserved) FROM {stock_t} st"
        f" INNER JOIN {chloc_t} cl ON cl.location_id = st.location_id AND cl.channel_id = {t}.channel_id"
        f" INNER JOIN {store_t} lo ON lo.id = st.location_id WHERE st.sku_id = {t}.sku_id AND lo.is_active), 0)"
        f" * {t}.allocation_percent / 100 - {t}.safety_buffer, 0)"
        if stock
        else f"{t}.published_quantity"
    )
    # SET expressions all read the row as it was before the UPDATE: these compare the old
    # state with the new wanted values in the same statement.
    out_of_sync = (
        f"({t}.synced_price IS NULL OR {t}.synced_quantity IS NULL OR {t}.synced_active IS NULL"
        f" OR {t}.synced_active <> {t}.is_active"
        f" OR ({content_sql} AND ({t}.synced_content_version IS NULL"
        f" OR {t}.synced_content_version <> {t}.content_version))"
        f" OR {t}.synced_price <> {new_price} OR {t}.synced_quantity <> {new_qty})"
    )
    changed_now = f"({t}.price <> {new_price} OR {t}.published_quantity <> {new_qty})"
    becomes = f"(({t}.sync_state = 'in_sync' AND {out_of_sync}) OR ({t}.sync_state = 'failed' AND {changed_now}))"
    # Explicit listings (a new or edited one) are always written back; moves of stock and price
    # write only the rows whose number or state changes.
    only_changed = "" if listings is not None else f" AND ({changed_now} OR {becomes})"
    sql = (
        f"UPDATE {t} SET price = {new_price}, published_quantity = {new_qty},"
        f" sync_state = CASE WHEN {becomes} THEN 'pending' ELSE {t}.sync_state END,"
        f" attempts = CASE WHEN {becomes} THEN 0 ELSE {t}.attempts END,"
        f" next_attempt_at = CASE WHEN {becomes} THEN NULL ELSE {t}.next_attempt_at END"
        f" FROM {sku_t} s WHERE s.id = {t}.sku_id AND {where_sql}{only_changed}"
    )
    # Placeholders in textual order: three `becomes` in SET, the WHERE, then `becomes` in the filter.
    sql_params = [*content, *content, *content, *params, *([*content] if only_changed else [])]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if ids:
                # Orders touch a few SKUs each, concurrently: lock their listings in id order so
                # two orders never wait on each other's rows in opposite orders.
                cursor.execute(f"SELECT id FROM {t} WHERE {where_sql} ORDER BY id FOR UPDATE", params)
            # One statement: the UPDATE reports which channels now have pending rows.
            cursor.execute(
                f"WITH changed AS ({sql} RETURNING {t}.channel_id, {t}.sync_state)"
                " SELECT channel_id, COUNT(*) FROM changed WHERE sync_state = 'pending' GROUP BY channel_id",
                sql_params,
            )
            per_channel = dict(cursor.fetchall())
        else:
            cursor.execute(sql, sql_params)
            if not cursor.rowcount:
                return 0
            cursor.execute(
                f"SELECT channel_id, COUNT(*) FROM {t} WHERE sync_state = 'pending' AND {where_sql} GROUP BY channel_id",
                params,
            )
            per_channel = dict(cursor.fetchall())
        _enqueue_push(*per_channel)
    return sum(per_channel.values())


_deferred = threading.local()


@contextlib.contextmanager
def push_deferred():
    """Bulk mode (imports, demo data): changes only mark rows pending; nothing is enqueued.

    The periodic `channels.sync_due` task (or `sync_due_channels` + push) sends them later.
    """
    previous = getattr(_deferred, "on", False)
    _deferred.on = True
    try:
        yield
    finally:
        _deferred.on = previous


def _enqueue_push(*channel_ids: int) -> None:
    """One after-commit callback for all the channels a change touched (an order's SKU is
    listed on several), each channel's push its own task."""
    if getattr(_deferred, "on", False) or not channel_ids:
        return

    from . import tasks

    for channel_id in sorted(channel_ids):
        enqueue_after_commit(tasks.push_listings, channel_id)


def channel_locations_set(*, channel: SalesChannel, locations: Sequence[Store]) -> list[Store]:
    """Declares where a channel sells from, in the order its orders take units (the warehouse
    for a marketplace, stores that ship or hand over). Its listings republish at once.

    Raises InvalidInput when a location repeats or is inactive.
    """
    pks = [location.pk for location in locations]
    if len(set(pks)) != len(pks):
        raise InvalidInput(fields={"locations": [_("Một kho chỉ được khai báo một lần.")]})
    if any(not location.is_active for location in locations):
        raise InvalidInput(fields={"locations": [_("Kho/cửa hàng đã ngừng hoạt động.")]})
    with transaction.atomic():
        SalesChannel.objects.select_for_update().filter(pk=channel.pk).first()
        ChannelLocation.objects.filter(channel=channel).exclude(location_id__in=pks).delete()
        for position, location in enumerate(locations):
            ChannelLocation.objects.update_or_create(
                channel=channel, location=location, defaults={"position": position}
            )
        listings_refresh(listings=Listing.objects.filter(channel=channel), price=False)
    return list(locations)


def listing_create(
    *,
    sku: SKU,
    channel: SalesChannel,
    price_override: int | None = None,
    markup_percent: int | None = None,
    allocation_percent: int = 100,
    safety_buffer: int = 0,
    external_id: str = "",
) -> Listing:
    """Publishes a SKU on a channel: an explicit price or a markup on the base price, a share of
    the channel's sellable stock and a safety buffer. Pending at once (or not configured).

    Raises InvalidInput (both prices, out-of-range values, a counter channel) or AlreadyListed;
    the unique (sku, channel) index decides between two racing creates.
    """
    fields: dict[str, list[str]] = {}
    if price_override is not None and markup_percent is not None:
        fields["price_override"] = [_("Chỉ nhập giá riêng hoặc phần trăm cộng thêm, không cả hai.")]
    if price_override is not None and (not isinstance(price_override, int) or price_override < 0):
        fields["price_override"] = [_("Giá phải là số nguyên VND không âm.")]
    if markup_percent is not None and not 0 <= markup_percent <= 500:
        fields["markup_percent"] = [_("Phần trăm cộng thêm từ 0 đến 500.")]
    if not 0 <= allocation_percent <= 100:
        fields["allocation_percent"] = [_("Tỉ lệ phân bổ từ 0 đến 100%.")]
    if safety_buffer < 0:
        fields["safety_buffer"] = [_("Tồn an toàn không được âm.")]
    if channel.kind in NO_PUSH_KINDS:
        fields["channel"] = [_("Kênh bán tại quầy không có tin đăng.")]
    if fields:
        raise InvalidInput(_("Dữ liệu tin đăng không hợp lệ."), fields=fields)
    try:
        with transaction.atomic():
            listing = Listing.objects.create(
                sku=sku,
                channel=channel,
                external_id=external_id or sku.code,
                price_override=price_override,
                markup_percent=markup_percent or 0,
                allocation_percent=allocation_percent,
                safety_buffer=safety_buffer,
                content_version=sku.product.content_version,
            )
            listings_refresh(listings=Listing.objects.filter(pk=listing.pk))
    except IntegrityError as exc:
        if Listing.objects.filter(sku=sku, channel=channel).exists():
            raise AlreadyListed(
                _("SKU %(sku)s đã được đăng trên %(channel)s.") % {"sku": sku.code, "channel": channel.name}
            ) from exc
        raise
    listing.refresh_from_db()
    return listing


def listing_upsert(
    *,
    sku: SKU,
    channel: SalesChannel,
    external_id: str = "",
    external_parent_id: str = "",
    price_override: int | None = None,
    markup_percent: int = 0,
    allocation_percent: int = 100,
    safety_buffer: int = 0,
    is_active: bool = True,
) -> Listing:
    """Creates or changes the listing of a SKU on a channel, then refreshes its wanted values."""
    if price_override is not None and price_override < 0:
        raise InvalidInput(fields={"price_override": [_("Giá phải là số nguyên VND không âm.")]})
    if not 0 <= allocation_percent <= 100:
        raise InvalidInput(fields={"allocation_percent": [_("Tỉ lệ phân bổ từ 0 đến 100%.")]})
    with transaction.atomic():
        listing, _created = Listing.objects.update_or_create(
            sku=sku,
            channel=channel,
            defaults={
                "external_id": external_id,
                "external_parent_id": external_parent_id,
                "price_override": price_override,
                "markup_percent": markup_percent,
                "allocation_percent": allocation_percent,
                "safety_buffer": safety_buffer,
                "is_active": is_active,
                "content_version": sku.product.content_version,
            },
        )
        listings_refresh(listings=Listing.objects.filter(pk=listing.pk))
    listing.refresh_from_db()
    return listing


def listings_create_for_channel(*, channel: SalesChannel, skus: QuerySet[SKU], markup_percent: int = 0, **rule) -> int:
    """Lists many SKUs on a channel at once (bulk, skipping ones already listed)."""
    with transaction.atomic():
        rows = [
            Listing(
                sku_id=pk,
                channel=channel,
                external_id=code,
                markup_percent=markup_percent,
                content_version=version,
                **rule,
            )
            for pk, code, version in skus.values_list("pk", "code", "product__content_version")
        ]
        Listing.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        listings_refresh(listings=Listing.objects.filter(channel=channel, sku__in=skus.values("pk")))
    return len(rows)


def listings_price_set(
    *, listings: QuerySet[Listing], price_override: int | None = None, markup_percent: int | None = None
) -> int:
    """Bulk price change on listings: an explicit price, or a markup rule (clears the override)."""
    if price_override is None and markup_percent is None:
        raise InvalidInput(_("Nhập giá riêng hoặc phần trăm cộng thêm."))
    if price_override is not None and (not isinstance(price_override, int) or price_override < 0):
        raise InvalidInput(fields={"price_override": [_("Giá phải là số nguyên VND không âm.")]})
    if markup_percent is not None and (not isinstance(markup_percent, int) or not 0 <= markup_percent <= 500):
        raise InvalidInput(fields={"markup_percent": [_("Phần trăm cộng thêm từ 0 đến 500.")]})
    with transaction.atomic():
        ids = list(listings.values_list("pk", flat=True))
        target = Listing.objects.filter(pk__in=ids)
        if price_override is not None:
            target.update(price_override=price_override)
        else:
            target.update(price_override=None, markup_percent=markup_percent)
        return listings_refresh(listings=target, stock=False)


def listings_retry(*, channel: SalesChannel, listing_ids: Sequence[int] | None = None) -> int:
    """Puts failed listings of a channel back in the queue with a fresh round of attempts."""
    qs = Listing.objects.filter(channel=channel, sync_state=Listing.SyncState.FAILED)
    if listing_ids is not None:
        qs = qs.filter(pk__in=list(listing_ids))
    with transaction.atomic():
        count = qs.update(sync_state=Listing.SyncState.PENDING, attempts=0, next_attempt_at=None)
        if count:
            _enqueue_push(channel.pk)
    return count


# ---------------------------------------------------------------------------------------------
# Sync engine
# ---------------------------------------------------------------------------------------------


@dataclass
class PushReport:
    channel: str
    pushed: int = 0
    skipped_unchanged: int = 0
    failed: int = 0
    calls: int = 0
    errors: list[str] = field(default_factory=list)


def backoff_seconds(attempts: int) -> int:
    """30 s, 60 s, 120 s … capped (attempts counts the failures so far)."""
    return min(conf.sync_backoff_cap_seconds(), conf.sync_backoff_base_seconds() * 2 ** max(0, attempts - 1))


def _due(channel_id: int, now):
    return Listing.objects.filter(channel_id=channel_id, sync_state=Listing.SyncState.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def listings_sync_state_reconcile(*, channel: SalesChannel, enqueue: bool = True) -> int:
    """Puts a channel's listings in the state its set-up allows, set-based; returns rows moved.

    Switched off → waiting listings are paused. No credentials (or a channel that takes no
    catalogue) → every listing is not configured, and what we believed the channel held is
    forgotten, so nothing is "in sync" that was never sent. Set up and on → not-configured and
    paused listings wait to be pushed again (pending, fresh attempts).
    """
    from .adapters import adapter_for

    qs = Listing.objects.filter(channel=channel)
    state = Listing.SyncState
    with transaction.atomic():
        if not channel.is_active:
            return qs.filter(sync_state__in=[state.PENDING, state.NOT_CONFIGURED]).update(
                sync_state=state.PAUSED, next_attempt_at=None
            )
        if not adapter_for(channel).configured:
            return qs.exclude(sync_state=state.NOT_CONFIGURED).update(
                sync_state=state.NOT_CONFIGURED,
                synced_price=None,
                synced_quantity=None,
                synced_content_version=None,
                synced_active=None,
                attempts=0,
                next_attempt_at=None,
                last_error="",
            )
        moved = qs.filter(sync_state__in=[state.NOT_CONFIGURED, state.PAUSED]).update(
            sync_state=state.PENDING, attempts=0, next_attempt_at=None
        )
        if moved and enqueue:
            _enqueue_push(channel.pk)
        return moved


def listings_sync_states_reconcile() -> int:
    """`listings_sync_state_reconcile` for every channel (periodic, and after bulk loads)."""
    return sum(listings_sync_state_reconcile(channel=channel) for channel in SalesChannel.objects.order_by("pk"))


def _acknowledged(row: Listing, *, content: bool) -> bool:
    """The channel holds exactly what the listing wants now (content only where it is sent)."""
    return (
        row.synced_price == row.price
        and row.synced_quantity == row.published_quantity
        and row.synced_active == row.is_active
        and (not content or row.synced_content_version == row.content_version)
    )


def listings_push_channel(*, channel_id: int, max_batches: int | None = None) -> PushReport:
    """Pushes the channel's due pending listings in batches sized for the channel.

    A channel that is off, not set up or a feed sends nothing here (its states are reconciled;
    a feed is acknowledged when fetched, see `feed_served`). Each batch is claimed under
    `SELECT … FOR UPDATE SKIP LOCKED` with a lease (so two workers never push the same rows),
    pushed outside any transaction, then written back conditionally: a listing changed again
    while in flight stays pending.
    """
    from .adapters import adapter_for

    channel = SalesChannel.objects.get(pk=channel_id)
    report = PushReport(channel=channel.code)
    listings_sync_state_reconcile(channel=channel, enqueue=False)
    adapter = adapter_for(channel)
    if not channel.is_active or not adapter.configured or adapter.acknowledged_by_fetch:
        return report
    content = adapter.pushes_content
    max_batches = max_batches or conf.sync_batches_per_run()
    for _batch in range(max_batches):
        now = timezone.now()
        with transaction.atomic():
            rows = list(
                _due(channel_id, now)
                .select_related("sku", "sku__product")
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))[: adapter.batch_size]
            )
            if not rows:
                break
            Listing.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=now + dt.timedelta(minutes=5))
        unchanged = [r for r in rows if _acknowledged(r, content=content)]
        to_push = [r for r in rows if r not in unchanged]
        if unchanged:
            Listing.objects.filter(pk__in=[r.pk for r in unchanged]).update(
                sync_state=Listing.SyncState.IN_SYNC, next_attempt_at=None, attempts=0, last_error=""
            )
            report.skipped_unchanged += len(unchanged)
        if not to_push:
            continue
        from .adapters.base import ListingPush

        items = [ListingPush.from_listing(r) for r in to_push]
        results = adapter.push_listings(items)
        report.calls += adapter.calls_made
        adapter.calls_made = 0
        _push_results_apply(to_push, results, report, content=content, retry_after=adapter.retry_after_s)
        if adapter.retry_after_s:
            # The channel said when to come back (429/503 + Retry-After): none of its listings
            # is tried before that, whatever our own backoff would say.
            _due(channel_id, timezone.now()).update(
                next_attempt_at=timezone.now() + dt.timedelta(seconds=adapter.retry_after_s)
            )
            break
    return report


def feed_served(*, channel: SalesChannel, served: Sequence[Listing], refused: dict[int, str] | None = None) -> int:
    """The platform fetched the channel's feed holding `served` (as read for the file): those
    still wanting exactly what was served are now in sync. `refused` ({listing id: reason}) were
    left out of the file because the platform would reject them (no image, no brand…): they
    fail with that reason, shown on the sync screen. Returns the listings acknowledged."""
    refused = refused or {}
    report = PushReport(channel=channel.code)
    waiting = [
        row
        for row in served
        if row.pk in refused or row.sync_state != Listing.SyncState.IN_SYNC or not _acknowledged(row, content=True)
    ]
    waiting = [row for row in waiting if not (row.pk in refused and row.sync_state == Listing.SyncState.FAILED)]
    if waiting:
        results = {row.pk: refused.get(row.pk) for row in waiting}
        # A refusal is not transient (the next fetch serves the same file): it fails at once.
        _push_results_apply(waiting, results, report, content=True, max_attempts=1)
    return report.pushed


def _push_results_apply(
    rows: list[Listing],
    results: dict[int, str | None],
    report: PushReport,
    *,
    content: bool,
    max_attempts: int | None = None,
    retry_after: float | None = None,
) -> None:
    """Writes a batch's outcome in a few statements, whatever the batch size.

    Successes: record what the channel now holds (bulk; the content version only where content
    was sent), then mark in sync only the rows whose wanted values still equal it — a row changed
    while in flight stays pending.
    """
    now = timezone.now()
    max_attempts = max_attempts or conf.sync_max_attempts()
    missing = _("Kênh không trả kết quả cho SKU này.")
    ok = [row for row in rows if row.pk in results and results[row.pk] is None]
    failed = [row for row in rows if row not in ok]
    with transaction.atomic():
        if ok:
            pushed = {row.pk: (row.price, row.published_quantity, row.content_version, row.is_active) for row in ok}
            # Lock the rows and compare with what was pushed: unchanged rows (nearly all) are
            # settled in one UPDATE; a row changed in flight records what the channel got and
            # stays pending.
            current = Listing.objects.filter(pk__in=list(pushed)).select_for_update().order_by("pk")
            changed = [
                pk
                for pk, *values in current.values_list(
                    "pk", "price", "published_quantity", "content_version", "is_active"
                )
                if tuple(values) != pushed[pk]
            ]
            common = {"attempts": 0, "last_error": "", "last_synced_at": now, "next_attempt_at": None}
            versions = {"synced_content_version": F("content_version")} if content else {}
            Listing.objects.filter(pk__in=[pk for pk in pushed if pk not in set(changed)]).update(
                sync_state=Listing.SyncState.IN_SYNC,
                synced_price=F("price"),
                synced_quantity=F("published_quantity"),
                synced_active=F("is_active"),
                **versions,
                **common,
            )
            for pk in changed:
                price, quantity, version, active = pushed[pk]
                Listing.objects.filter(pk=pk).update(
                    sync_state=Listing.SyncState.PENDING,
                    synced_price=price,
                    synced_quantity=quantity,
                    synced_active=active,
                    **({"synced_content_version": version} if content else {}),
                    **common,
                )
            report.pushed += len(ok)
        for row in failed:
            error = results.get(row.pk) or missing
            report.failed += 1
            report.errors.append(f"{row.sku.code}: {error}")
            attempts = row.attempts + 1
            gave_up = attempts >= max_attempts
            Listing.objects.filter(pk=row.pk).update(
                attempts=attempts,
                last_error=str(error)[:2000],
                sync_state=Listing.SyncState.FAILED if gave_up else Listing.SyncState.PENDING,
                next_attempt_at=None
                if gave_up
                else now + dt.timedelta(seconds=max(backoff_seconds(attempts), retry_after or 0)),
            )


def sync_due_channels() -> list[int]:
    """The channels that have pending listings due now (used by the periodic resend), after
    putting every channel's listings in the state its set-up allows (credentials come and go
    with settings, not with a database write)."""
    listings_sync_states_reconcile()
    now = timezone.now()
    return list(
        Listing.objects.filter(sync_state=Listing.SyncState.PENDING, channel__is_active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("channel_id", flat=True)
        .distinct()
        .order_by("channel_id")
    )


# ---------------------------------------------------------------------------------------------
# Stock
# ---------------------------------------------------------------------------------------------


def _positive(quantity, name: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise InvalidInput(fields={name: [_("Số lượng phải là số nguyên dương.")]})
    return quantity


def stock_receive(*, sku: SKU, location: Store, quantity: int, by=None, note: str = "") -> Stock:
    """Goods arrive at a location: on hand grows, one receipt row in the ledger."""
    _positive(quantity)
    with transaction.atomic():
        Stock.objects.bulk_create(
            [Stock(sku=sku, location=location)], ignore_conflicts=True
        )  # the row exists from now on, whoever raced us
        Stock.objects.filter(sku=sku, location=location).update(on_hand=F("on_hand") + quantity)
        StockMovement.objects.create(
            sku=sku,
            location=location,
            kind=StockMovement.Kind.RECEIPT,
            on_hand_delta=quantity,
            created_by=by,
            note=note,
        )
        listings_refresh(sku_ids=[sku.pk], location_ids=[location.pk], price=False)
    return Stock.objects.get(sku=sku, location=location)


def stock_adjust(*, sku: SKU, location: Store, delta: int, by=None, note: str = "") -> Stock:
    """A counted correction (+/-); refused when it would take on hand below the reserved units."""
    if not isinstance(delta, int) or delta == 0:
        raise InvalidInput(fields={"delta": [_("Số lượng điều chỉnh phải khác 0.")]})
    with transaction.atomic():
        Stock.objects.bulk_create([Stock(sku=sku, location=location)], ignore_conflicts=True)
        changed = Stock.objects.filter(sku=sku, location=location, on_hand__gte=F("reserved") - delta).update(
            on_hand=F("on_hand") + delta
        )
        if not changed:
            raise InsufficientStock(_("Không thể giảm tồn xuống dưới số đang giữ cho đơn hàng."))
        StockMovement.objects.create(
            sku=sku,
            location=location,
            kind=StockMovement.Kind.ADJUSTMENT,
            on_hand_delta=delta,
            created_by=by,
            note=note,
        )
        listings_refresh(sku_ids=[sku.pk], location_ids=[location.pk], price=False)
    return Stock.objects.get(sku=sku, location=location)


def stock_transfer(*, sku: SKU, source: Store, target: Store, quantity: int, by=None) -> None:
    """Moves available units between locations (two ledger rows, one transaction)."""
    _positive(quantity)
    if source.pk == target.pk:
        raise InvalidInput(fields={"target": [_("Kho đích phải khác kho nguồn.")]})
    with transaction.atomic():
        Stock.objects.bulk_create([Stock(sku=sku, location=target)], ignore_conflicts=True)
        moved = Stock.objects.filter(sku=sku, location=source, on_hand__gte=F("reserved") + quantity).update(
            on_hand=F("on_hand") - quantity
        )
        if not moved:
            raise InsufficientStock(_("Kho nguồn không đủ hàng để chuyển."))
        Stock.objects.filter(sku=sku, location=target).update(on_hand=F("on_hand") + quantity)
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    sku=sku, location=source, kind=StockMovement.Kind.TRANSFER, on_hand_delta=-quantity, created_by=by
                ),
                StockMovement(
                    sku=sku, location=target, kind=StockMovement.Kind.TRANSFER, on_hand_delta=quantity, created_by=by
                ),
            ]
        )
        listings_refresh(sku_ids=[sku.pk], location_ids=[source.pk, target.pk], price=False)


def stock_rebuild_check(*, sku: SKU, location: Store) -> dict:
    """What the ledger says on hand/reserved should be, next to the stock row (for audits)."""
    from django.db.models import Sum as _Sum

    totals = StockMovement.objects.filter(sku=sku, location=location).aggregate(
        on_hand=Coalesce(_Sum("on_hand_delta"), 0), reserved=Coalesce(_Sum("reserved_delta"), 0)
    )
    row = Stock.objects.filter(sku=sku, location=location).first()
    return {
        "ledger_on_hand": totals["on_hand"],
        "ledger_reserved": totals["reserved"],
        "on_hand": row.on_hand if row else 0,
        "reserved": row.reserved if row else 0,
    }


def _shortage(index: int, line: OrderLine) -> InsufficientStock:
    return InsufficientStock(
        _("Không đủ hàng cho SKU %(sku)s (cần %(qty)s).") % {"sku": line.sku_code, "qty": line.quantity},
        fields={f"lines.{index}.quantity": [_("Không đủ hàng trong kho.")]},
    )


def _lines_reserve(order: Order, lines: list[OrderLine]) -> None:
    """Reserves every SKU line at its location, or none (the caller's transaction rolls back).

    Rows are locked in SKU order so two orders never lock the same rows in opposite orders, in a
    fixed number of statements whatever the number of lines. One line is one conditional UPDATE:
    PostgreSQL re-checks the WHERE after waiting for a competing row lock, so the last unit goes
    to exactly one order. Several lines lock their stock rows first (`ORDER BY sku FOR UPDATE`),
    check every line against what is held, then move all of them in one UPDATE. The error names
    the first short line in SKU order, as reserving line by line would.
    """
    ordered = sorted(
        ((index, line) for index, line in enumerate(lines) if line.sku_id is not None),
        key=lambda pair: (pair[1].sku_id, pair[0]),
    )
    if not ordered:
        return
    if len(ordered) == 1:
        index, line = ordered[0]
        got = Stock.objects.filter(
            sku_id=line.sku_id, location_id=line.location_id, on_hand__gte=F("reserved") + line.quantity
        ).update(reserved=F("reserved") + line.quantity)
        if not got:
            raise _shortage(index, line)
    else:
        wanted: dict[tuple[int, int], int] = {}
        for _index, line in ordered:
            key = (line.sku_id, line.location_id)
            wanted[key] = wanted.get(key, 0) + line.quantity
        which = Q()
        for sku_id, location_id in wanted:
            which |= Q(sku_id=sku_id, location_id=location_id)
        held = {
            (sku_id, location_id): (pk, on_hand - reserved)
            for pk, sku_id, location_id, on_hand, reserved in Stock.objects.filter(which)
            .order_by("sku_id", "location_id")
            .select_for_update()
            .values_list("pk", "sku_id", "location_id", "on_hand", "reserved")
        }
        taken: dict[tuple[int, int], int] = {}
        for index, line in ordered:
            key = (line.sku_id, line.location_id)
            taken[key] = taken.get(key, 0) + line.quantity
            if key not in held or taken[key] > held[key][1]:
                raise _shortage(index, line)
        Stock.objects.filter(pk__in=[held[key][0] for key in wanted]).update(
            reserved=F("reserved")
            + Case(
                *[When(pk=held[key][0], then=Value(qty)) for key, qty in wanted.items()], output_field=IntegerField()
            )
        )
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                sku_id=line.sku_id,
                location_id=line.location_id,
                kind=StockMovement.Kind.RESERVATION,
                reserved_delta=line.quantity,
                order=order,
            )
            for _index, line in ordered
        ]
    )


def _lines_move(order: Order, kind: str, *, on_hand: int, reserved: int) -> None:
    """Moves stock for every SKU line of an order by `on_hand`/`reserved` units per unit sold
    (+1, -1 or 0), one ledger row per line. Rows are locked in SKU order, as reserving does: one
    line is one UPDATE, several a `SELECT … ORDER BY sku FOR UPDATE` and one UPDATE for all."""
    lines = list(order.lines.filter(sku__isnull=False).order_by("sku_id", "pk"))
    if not lines:
        return
    wanted: dict[tuple[int, int], int] = {}
    for line in lines:
        key = (line.sku_id, line.location_id)
        wanted[key] = wanted.get(key, 0) + line.quantity
    deltas = {name: sign for name, sign in (("on_hand", on_hand), ("reserved", reserved)) if sign}
    if len(wanted) == 1:
        ((sku_id, location_id), quantity), *_rest = wanted.items()
        Stock.objects.filter(sku_id=sku_id, location_id=location_id).update(
            **{name: F(name) + sign * quantity for name, sign in deltas.items()}
        )
    else:
        which = Q()
        for sku_id, location_id in wanted:
            which |= Q(sku_id=sku_id, location_id=location_id)
        held = {
            (sku_id, location_id): pk
            for pk, sku_id, location_id in Stock.objects.filter(which)
            .order_by("sku_id", "location_id")
            .select_for_update()
            .values_list("pk", "sku_id", "location_id")
        }
        Stock.objects.filter(pk__in=list(held.values())).update(
            **{
                name: F(name)
                + Case(
                    *[When(pk=held[key], then=Value(sign * qty)) for key, qty in wanted.items() if key in held],
                    output_field=IntegerField(),
                )
                for name, sign in deltas.items()
            }
        )
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                sku_id=line.sku_id,
                location_id=line.location_id,
                kind=kind,
                on_hand_delta=on_hand * line.quantity,
                reserved_delta=reserved * line.quantity,
                order=order,
            )
            for line in lines
        ]
    )


def _lines_commit(order: Order) -> None:
    _lines_move(order, StockMovement.Kind.SALE, on_hand=-1, reserved=-1)


def _lines_release(order: Order) -> None:
    _lines_move(order, StockMovement.Kind.RELEASE, on_hand=0, reserved=-1)


def _lines_return(order: Order) -> None:
    _lines_move(order, StockMovement.Kind.RETURN, on_hand=1, reserved=0)


# ---------------------------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------------------------

S = Order.Status
# Transitions staff may make by hand, for an order that ships.
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.CONFIRMED, S.CANCELLED},
    S.CONFIRMED: {S.PACKED, S.CANCELLED},
    S.PACKED: {S.SHIPPED, S.CANCELLED},
    S.SHIPPED: {S.DELIVERED, S.RETURNED},
    S.DELIVERED: {S.RETURNED},
    S.READY_FOR_PICKUP: set(),
    S.COLLECTED: set(),
    S.CANCELLED: set(),
    S.RETURNED: set(),
}
# A pickup order is picked at the store (ready), then handed over at the counter: never shipped.
PICKUP_TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.CONFIRMED, S.READY_FOR_PICKUP, S.CANCELLED},
    S.CONFIRMED: {S.PACKED, S.READY_FOR_PICKUP, S.CANCELLED},
    S.PACKED: {S.READY_FOR_PICKUP, S.CANCELLED},
    S.READY_FOR_PICKUP: {S.COLLECTED, S.CANCELLED},
    S.COLLECTED: {S.RETURNED},
    S.SHIPPED: set(),
    S.DELIVERED: set(),
    S.CANCELLED: set(),
    S.RETURNED: set(),
}
_RANK = {
    S.PENDING: 0,
    S.CONFIRMED: 1,
    S.PACKED: 2,
    S.READY_FOR_PICKUP: 3,
    S.SHIPPED: 3,
    S.COLLECTED: 4,
    S.DELIVERED: 4,
}
# Statuses whose units have left the building (the reservation is committed).
_HANDED_OVER = (S.SHIPPED, S.DELIVERED, S.COLLECTED)


def order_next_statuses(order: Order) -> list[str]:
    """The statuses staff may move this order to, in life-cycle order."""
    table = PICKUP_TRANSITIONS if order.fulfilment == Order.Fulfilment.PICKUP else TRANSITIONS
    return sorted(table[order.status], key=lambda status: (_RANK.get(status, 9), status))


def _import_allows(current: str, new: str) -> bool:
    """Channels may skip steps (pending → shipped) but never go back or leave a final state."""
    if current == new or current in (S.CANCELLED, S.RETURNED):
        return False
    if new == S.CANCELLED:
        return current in (S.PENDING, S.CONFIRMED, S.PACKED, S.READY_FOR_PICKUP)
    if new == S.RETURNED:
        return current in _HANDED_OVER
    return _RANK[new] > _RANK[current]


def _new_number() -> str:
    return "DH" + timezone.localdate().strftime("%y%m%d") + secrets.token_hex(3).upper()


@dataclass
class IngestResult:
    order: Order
    created: bool
    status_applied: bool = False


def channel_fulfilment_locations(channel: SalesChannel) -> list[Store]:
    """The active locations a channel sells from, in the order its orders take units."""
    return list(
        Store.objects.filter(channel_locations__channel=channel, is_active=True).order_by(
            "channel_locations__position", "code"
        )
    )


def _no_locations(channel: SalesChannel) -> NoFulfilmentLocation:
    return NoFulfilmentLocation(
        _("Kênh %(channel)s chưa khai báo kho xuất hàng nên không bán được gì (công bố 0).") % {"channel": channel.name}
    )


def _lines_plan(
    channel: SalesChannel, store: Store | None, fulfilment: str, lines: list[dict], skus: dict[str, SKU]
) -> list[dict]:
    """Where each line's units are reserved (`location_id`), splitting a line over locations
    when one holds too few.

    A sale or pick-up at a store takes the store's stock. Otherwise the units come from the
    channel's fulfilment locations only — the same ones its listings publish — so an order for
    the published quantity finds them: the first location (in the channel's order) that covers
    every line, else each line from the locations in order. One query, read without locks: the
    plan is a hint and the reservation's conditional UPDATE still decides, so two orders racing
    for the last units never oversell. A SKU short across all locations stays whole on the
    first one, where the reservation then refuses cleanly naming the line. Raises
    NoFulfilmentLocation for a channel without locations.
    """
    if store is not None and fulfilment in (Order.Fulfilment.IN_STORE, Order.Fulfilment.PICKUP):
        return [{**ln, "location_id": store.pk if ln["sku"] in skus else None} for ln in lines]
    wanted: dict[int, int] = {}
    for ln in lines:
        if ln["sku"] in skus:
            wanted[skus[ln["sku"]].pk] = wanted.get(skus[ln["sku"]].pk, 0) + ln["quantity"]
    locations, left = _channel_stock(channel, list(wanted))
    if not locations:
        raise _no_locations(channel)
    for location in locations:
        if all(left.get((sku_id, location), 0) >= qty for sku_id, qty in wanted.items()):
            return [{**ln, "location_id": location if ln["sku"] in skus else None} for ln in lines]
    held = {sku_id: sum(left.get((sku_id, loc), 0) for loc in locations) for sku_id in wanted}
    planned: list[dict] = []
    for ln in lines:
        if ln["sku"] not in skus:
            planned.append({**ln, "location_id": None})
            continue
        sku_id, remaining = skus[ln["sku"]].pk, ln["quantity"]
        if held[sku_id] < wanted[sku_id]:
            # Short everywhere: the line stays whole, and the reservation names it.
            planned.append({**ln, "location_id": locations[0]})
            continue
        for location in locations:
            take = min(remaining, left.get((sku_id, location), 0))
            if take:
                planned.append({**ln, "quantity": take, "location_id": location})
                left[(sku_id, location)] -= take
                remaining -= take
            if not remaining:
                break
    return planned


def _channel_stock(channel: SalesChannel, sku_ids: list[int]) -> tuple[list[int], dict[tuple[int, int], int]]:
    """The channel's active fulfilment locations in order, and the available units of `sku_ids`
    at each ({(sku id, location id): units}), in one statement."""
    chloc_t, store_t, stock_t = ChannelLocation._meta.db_table, Store._meta.db_table, Stock._meta.db_table
    skus_sql = ", ".join(["%s"] * len(sku_ids)) or "NULL"
    sql = (
        f"SELECT cl.location_id, st.sku_id, st.on_hand - st.reserved FROM {chloc_t} cl"
        f" INNER JOIN {store_t} lo ON lo.id = cl.location_id AND lo.is_active"
        f" LEFT JOIN {stock_t} st ON st.location_id = cl.location_id AND st.sku_id IN ({skus_sql})"
        " WHERE cl.channel_id = %s ORDER BY cl.position, lo.code, cl.location_id"
    )
    locations: list[int] = []
    left: dict[tuple[int, int], int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*sku_ids, channel.pk])
        for location_id, sku_id, available in cursor.fetchall():
            if location_id not in locations:
                locations.append(location_id)
            if sku_id is not None:
                left[(sku_id, location_id)] = max(available, 0)
    return locations, left


def _parse_when(value, name: str, fields: dict) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = parse_datetime(str(value))
        except ValueError:
            parsed = None
    if parsed is None:
        fields[name] = [_("Thời điểm không hợp lệ (định dạng ISO 8601).")]
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _customer_from(identifiers: dict | None, channel: SalesChannel):
    from customers import services as customer_services

    wanted = {
        k: str(v).strip()
        for k, v in (identifiers or {}).items()
        if k
        in {
            "full_name",
            "phone",
            "email",
            "zalo_id",
            "facebook_id",
            "shopee_buyer_id",
            "lazada_buyer_id",
            "tiki_buyer_id",
            "tiktok_buyer_id",
            "website_account",
        }
        and v not in (None, "")
    }
    if not any(k != "full_name" for k in wanted):
        return None
    return customer_services.customer_resolve(**wanted, source=channel.code).customer


def _customer_record_order(order: Order) -> None:
    if order.customer_id is None:
        return
    from customers import services as customer_services

    if order.status not in (S.CANCELLED, S.RETURNED):
        customer_services.record_purchase(
            customer=order.customer,
            amount=order.total,
            channel=order.channel.kind,
            occurred_at=order.placed_at,
            order_ref=order.number,
            store_code=order.store.code if order.store_id else "",
        )
    customer_services.record_activity(
        customer=order.customer,
        kind="order",
        occurred_at=order.placed_at,
        channel=order.channel.kind,
        store_code=order.store.code if order.store_id else "",
        summary=_("Đơn %(number)s trên %(channel)s — %(status)s")
        % {"number": order.number, "channel": order.channel.name, "status": order.get_status_display()},
        ref_type="order",
        ref_id=order.number,
        amount=order.total,
        data={"status": order.status, "external_id": order.external_id},
    )


def _customer_record_status(order: Order) -> None:
    if order.customer_id is None:
        return
    from customers import services as customer_services

    if order.status in (S.CANCELLED, S.RETURNED):
        customer_services.record_purchase_reversal(customer=order.customer, order_ref=order.number)
    customer_services.record_activity(
        customer=order.customer,
        kind="order",
        occurred_at=order.placed_at,
        channel=order.channel.kind,
        store_code=order.store.code if order.store_id else "",
        summary=_("Đơn %(number)s trên %(channel)s — %(status)s")
        % {"number": order.number, "channel": order.channel.name, "status": order.get_status_display()},
        ref_type="order",
        ref_id=order.number,
        amount=order.total,
        data={"status": order.status, "external_id": order.external_id},
    )


def _apply_status(order: Order, new_status: str) -> None:
    """Moves stock for a status change (caller holds the order's row lock)."""
    if new_status in _HANDED_OVER and order.stock_state == Order.StockState.RESERVED:
        _lines_commit(order)
        order.stock_state = Order.StockState.COMMITTED
    elif new_status == S.CANCELLED and order.stock_state == Order.StockState.RESERVED:
        _lines_release(order)
        order.stock_state = Order.StockState.RELEASED
    elif new_status == S.RETURNED:
        if order.stock_state == Order.StockState.COMMITTED:
            _lines_return(order)
        elif order.stock_state == Order.StockState.RESERVED:
            _lines_release(order)
        order.stock_state = Order.StockState.RELEASED
    order.status = new_status


def _clean_lines(raw_lines, fields: dict) -> list[dict]:
    if not isinstance(raw_lines, list) or not raw_lines:
        fields["lines"] = [_("Đơn hàng cần ít nhất một dòng.")]
        return []
    out = []
    for i, line in enumerate(raw_lines):
        if not isinstance(line, dict):
            fields[f"lines.{i}"] = [_("Dòng không hợp lệ.")]
            continue
        sku = str(line.get("sku") or "").strip()
        qty = line.get("quantity")
        price = line.get("unit_price", 0)
        if not sku:
            fields[f"lines.{i}.sku"] = [_("Vui lòng nhập mã SKU.")]
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            fields[f"lines.{i}.quantity"] = [_("Số lượng phải là số nguyên dương.")]
        if not isinstance(price, int) or isinstance(price, bool) or price < 0:
            fields[f"lines.{i}.unit_price"] = [_("Đơn giá phải là số nguyên VND không âm.")]
        out.append({"sku": sku, "quantity": qty, "unit_price": price, "name": str(line.get("name") or "")[:300]})
    return out


def order_ingest(*, channel_code: str, payload: dict, hold_on_shortage: bool = False) -> IngestResult:
    """Records an order from a channel once, or applies a newer status to the one we have.

    Idempotent on (channel, external id): a repeat returns the same order (created=False). A
    status update is applied only when its `updated_at` is newer than the last one applied and
    the move is allowed, so late or repeated deliveries change nothing. Stock is reserved for
    every line or none. An unknown SKU holds the order for review (kept, no stock touched).
    Raises InsufficientStock (nothing written) unless `hold_on_shortage`, which keeps the order
    held instead — the webhook path, where the sale already happened on the marketplace.
    """
    channel = SalesChannel.objects.filter(code=channel_code).first()
    if channel is None:
        raise ChannelNotFound()
    fields: dict = {}
    external_id = str(payload.get("external_id") or "").strip()
    if not external_id:
        fields["external_id"] = [_("Thiếu mã đơn trên kênh.")]
    status = payload.get("status") or S.PENDING
    if status not in S.values:
        fields["status"] = [_("Trạng thái không hợp lệ.")]
    placed_at = _parse_when(payload.get("placed_at"), "placed_at", fields)
    updated_at = _parse_when(payload.get("updated_at"), "updated_at", fields)
    lines = _clean_lines(payload.get("lines"), fields)
    total = payload.get("total")
    if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
        fields["total"] = [_("Tổng tiền phải là số nguyên VND không âm.")]
    store = None
    if payload.get("store"):
        store = Store.objects.filter(code=payload["store"]).first()
        if store is None:
            fields["store"] = [_("Không tìm thấy cửa hàng %(code)s.") % {"code": payload["store"]}]
    if fields:
        raise InvalidInput(_("Dữ liệu đơn hàng không hợp lệ."), fields=fields)
    now = timezone.now()
    placed_at = placed_at or now
    updated_at = updated_at or placed_at

    with transaction.atomic():
        existing = Order.objects.select_for_update().filter(channel=channel, external_id=external_id).first()
        if existing is not None:
            # Without the channel's own update time, order comes from the life cycle alone
            # (a status can only move forward), stamped with our clock.
            return _order_update_from_channel(existing, status, updated_at if payload.get("updated_at") else now)
        try:
            customer = _customer_from(payload.get("customer"), channel)
        except DomainError:
            if not hold_on_shortage:
                raise
            customer = None  # a marketplace order with a malformed phone is still an order
        fulfilment = payload.get("fulfilment") or (Order.Fulfilment.PICKUP if store else Order.Fulfilment.SHIP)
        if fulfilment not in Order.Fulfilment.values:
            raise InvalidInput(fields={"fulfilment": [_("Hình thức giao nhận không hợp lệ.")]})
        if fulfilment == Order.Fulfilment.PICKUP and (store is None or not store.is_active or store.is_warehouse):
            raise InvalidInput(fields={"store": [_("Đơn nhận tại cửa hàng cần một cửa hàng đang hoạt động.")]})
        order_spec = {
            "channel": channel,
            "external_id": external_id,
            "store": store,
            "customer": customer,
            "status": status,
            "fulfilment": fulfilment,
            "placed_at": placed_at,
            "updated_at": updated_at,
            "lines": lines,
            "total": total,
            "buyer": payload.get("customer") or {},
            "hold_on_shortage": hold_on_shortage,
        }
        if connection.vendor == "postgresql":
            # INSERT … ON CONFLICT DO NOTHING: no savepoint to catch an IntegrityError with.
            order = _order_create(**order_spec, insert_once=True)
        else:
            try:
                with transaction.atomic():
                    order = _order_create(**order_spec)
            except IntegrityError:
                order = None
                if not Order.objects.filter(channel=channel, external_id=external_id).exists():
                    raise
        if order is None:
            # Someone created it between our look and our insert: the unique key decided.
            existing = Order.objects.select_for_update().get(channel=channel, external_id=external_id)
            return _order_update_from_channel(existing, status, updated_at)
        _customer_record_order(order)
    return IngestResult(order=order, created=True, status_applied=True)


def _order_create(
    *,
    channel: SalesChannel,
    external_id: str,
    store: Store | None,
    customer,
    status: str,
    fulfilment: str,
    placed_at,
    updated_at,
    lines: list[dict],
    total: int | None,
    buyer: dict,
    hold_on_shortage: bool,
    cashier=None,
    discount_total: int = 0,
    reference: str = "",
    idempotency_key: str = "",
    insert_once: bool = False,
) -> Order | None:
    """Writes a new order, its lines and its reservation. With `insert_once` (PostgreSQL, a
    channel order) returns None, having written nothing, when the channel's order already exists."""
    skus = {s.code: s for s in SKU.objects.filter(code__in=[ln["sku"] for ln in lines]).select_related("product")}
    unknown = [ln["sku"] for ln in lines if ln["sku"] not in skus]
    subtotal = sum(ln["quantity"] * ln["unit_price"] for ln in lines)
    if not lines and total is not None:
        # A total-only sale (the counter typed the POS total): the price before discounts.
        subtotal = total + discount_total
    # What the order will be once its stock is reserved goes into the INSERT: a second write
    # is needed only when reserving fails into a hold or the order arrives past pending.
    reserve = not unknown and status != S.CANCELLED
    shortage: InsufficientStock | None = None
    planned = [{**ln, "location_id": None} for ln in lines]
    if reserve:
        try:
            planned = _lines_plan(channel, store, fulfilment, lines, skus)
        except NoFulfilmentLocation as exc:
            if not hold_on_shortage:
                raise
            shortage = exc
    order = Order(
        number=_new_number(),
        channel=channel,
        external_id=external_id,
        store=store,
        customer=customer,
        cashier=cashier,
        status=S.PENDING,
        fulfilment=fulfilment,
        subtotal=subtotal,
        discount_total=discount_total,
        total=subtotal - discount_total if total is None else total,
        placed_at=placed_at,
        source_updated_at=updated_at,
        buyer=buyer if isinstance(buyer, dict) else {},
        reference=reference,
        idempotency_key=idempotency_key,
        stock_state=Order.StockState.RESERVED if reserve else Order.StockState.NONE,
        is_held=bool(unknown),
        hold_reason=_("SKU không có trong danh mục: %(codes)s") % {"codes": ", ".join(unknown)} if unknown else "",
    )
    if not insert_once:
        order.save(force_insert=True)
    elif not _order_insert_once(order):
        return None
    rows = OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                sku=skus.get(ln["sku"]),
                sku_code=ln["sku"],
                name=ln.get("name") or (skus[ln["sku"]].product.name if ln["sku"] in skus else ""),
                quantity=ln["quantity"],
                unit_price=ln["unit_price"],
                line_total=ln["quantity"] * ln["unit_price"],
                location_id=ln["location_id"],
            )
            for ln in planned
        ]
    )
    changed = False
    if shortage is not None:
        order.stock_state = Order.StockState.NONE
        order.is_held = True
        order.hold_reason = shortage.message
        changed = True
    elif reserve:
        try:
            # A savepoint only where a shortage is survivable (the order is then kept, held);
            # elsewhere the caller's transaction rolls everything back.
            with transaction.atomic() if hold_on_shortage else contextlib.nullcontext():
                _lines_reserve(order, rows)
        except InsufficientStock as exc:
            if not hold_on_shortage:
                raise
            order.stock_state = Order.StockState.NONE
            order.is_held = True
            order.hold_reason = exc.message
            changed = True
    if status != S.PENDING:
        _apply_status(order, status)
        changed = True
    if changed:
        order.save(update_fields=["is_held", "hold_reason", "stock_state", "status"])
    if order.stock_state != Order.StockState.NONE:
        listings_refresh(sku_ids={r.sku_id for r in rows if r.sku_id}, price=False)
    _lines_preload(order, rows)
    return order


def _order_insert_once(order: Order) -> bool:
    """Inserts a channel's order unless (channel, external id) is taken: False then, nothing
    written. A concurrent insert of the same order is waited for, as the unique index would."""
    meta = Order._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(order, True), connection) for f in fields]
    sql = (
        f"INSERT INTO {meta.db_table} ({', '.join(connection.ops.quote_name(f.column) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
        " ON CONFLICT (channel_id, external_id) WHERE NOT (external_id = '') DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    order.pk = row[0]
    order._state.adding = False
    order._state.db = connection.alias
    return True


def _lines_preload(order: Order, rows: list[OrderLine]) -> None:
    """Hands the new order back with its lines as a prefetch would, so rendering it reads nothing."""
    lines = order.lines.all()
    lines._result_cache = rows
    lines._prefetch_done = True
    order._prefetched_objects_cache = {OrderLine._meta.get_field("order").remote_field.cache_name: lines}


def _order_update_from_channel(order: Order, status: str, updated_at) -> IngestResult:
    """Applies a channel's status update once and in order (caller holds the row lock)."""
    if order.source_updated_at and updated_at <= order.source_updated_at:
        return IngestResult(order=order, created=False)
    if not _import_allows(order.status, status):
        if status != order.status:
            logger.info("channels: ignored %s → %s for order %s", order.status, status, order.number)
        return IngestResult(order=order, created=False)
    before = order.stock_state
    _apply_status(order, status)
    order.source_updated_at = updated_at
    order.save(update_fields=["status", "stock_state", "source_updated_at", "updated_at"])
    if before != order.stock_state:
        listings_refresh(sku_ids=set(order.lines.exclude(sku=None).values_list("sku_id", flat=True)), price=False)
    _customer_record_status(order)
    return IngestResult(order=order, created=False, status_applied=True)


def order_status_change(*, order: Order, status: str, by=None) -> Order:
    """A staff member moves an order along its life cycle; only valid transitions.

    Shipping or handing over at the counter commits the reservation, cancelling releases it, a
    return puts goods back. A pickup order goes ready → collected without being shipped; "ready"
    gives it a pickup code and tells the customer once, however often it is posted (a repeat
    changes nothing). Raises InvalidTransition.
    """
    if status not in S.values:
        raise InvalidInput(fields={"status": [_("Trạng thái không hợp lệ.")]})
    with transaction.atomic():
        locked = (
            Order.objects.select_for_update(of=("self",))
            .select_related("channel", "store", "customer")
            .get(pk=order.pk)
        )
        if status == locked.status == S.READY_FOR_PICKUP:
            return locked
        if status not in order_next_statuses(locked):
            raise InvalidTransition(
                _("Không thể chuyển đơn từ “%(old)s” sang “%(new)s”.")
                % {"old": locked.get_status_display(), "new": S(status).label},
                fields={"status": [_("Chuyển trạng thái không hợp lệ.")]},
            )
        if locked.is_held and status in (S.CONFIRMED, S.PACKED, S.SHIPPED, S.READY_FOR_PICKUP, S.COLLECTED):
            raise InvalidTransition(_("Đơn đang chờ kiểm tra: %(reason)s") % {"reason": locked.hold_reason})
        _order_move(locked, status)
    return locked


def _order_move(locked: Order, status: str) -> None:
    """Applies a checked status change to a locked order: stock, pickup code, timeline, notices."""
    before = locked.stock_state
    _apply_status(locked, status)
    now = timezone.now()
    fields = ["status", "stock_state", "updated_at"]
    if status == S.READY_FOR_PICKUP:
        locked.ready_at = now
        fields.append("ready_at")
    elif status == S.COLLECTED:
        locked.collected_at = now
        fields.append("collected_at")
    locked.save(update_fields=fields)
    if status == S.READY_FOR_PICKUP and not locked.pickup_code:
        _pickup_code_assign(locked)
    if before != locked.stock_state:
        lines = list(locked.lines.exclude(sku=None).values_list("sku_id", "location_id"))
        listings_refresh(
            sku_ids={sku_id for sku_id, _loc in lines}, location_ids={loc for _sku, loc in lines}, price=False
        )
    _customer_record_status(locked)
    if status == S.READY_FOR_PICKUP:
        _pickup_notify(locked, kind="ready")


PICKUP_CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"  # no 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B: easy to read out


def _pickup_code_assign(order: Order) -> None:
    """Gives the order a pickup code nobody else holds (the unique index decides)."""
    for _attempt in range(8):
        code = "".join(secrets.choice(PICKUP_CODE_ALPHABET) for _ in range(6))
        try:
            with transaction.atomic():
                Order.objects.filter(pk=order.pk).update(pickup_code=code)
        except IntegrityError:
            continue
        order.pickup_code = code
        return
    raise RuntimeError("no free pickup code after 8 tries")


def pickup_code_normalize(code: str) -> str:
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())[:12]


def pickup_pass_url(order: Order) -> str:
    """The customer's link: the pickup code and its QR, signed so it cannot be guessed."""
    from django.conf import settings
    from django.core import signing
    from django.urls import reverse

    token = signing.dumps(order.number, salt="channels.pickup-pass", compress=True)
    return settings.SITE_URL + reverse("channels:pickup-pass", args=[token])


def _pickup_notify(order: Order, *, kind: str) -> None:
    """Tells the customer (ZNS, SMS fallback) once per order and kind: ready, or released."""
    if order.customer_id is None:
        return
    from customers import services as customer_services

    store = order.store.name if order.store_id else ""
    until = timezone.localtime(order.ready_at + dt.timedelta(days=conf.pickup_hold_days())) if order.ready_at else None
    if kind == "ready":
        body = _(
            "Đơn %(number)s đã sẵn sàng tại %(store)s. Mã nhận hàng: %(code)s (mã QR: %(link)s). "
            "Cửa hàng giữ hàng đến %(until)s."
        ) % {
            "number": order.number,
            "store": store,
            "code": order.pickup_code,
            "link": pickup_pass_url(order),
            "until": f"{until:%H:%M %d/%m}" if until else "",
        }
    else:
        body = _("Đơn %(number)s đã quá hạn nhận tại %(store)s nên cửa hàng đã hủy giữ hàng.") % {
            "number": order.number,
            "store": store,
        }
    try:
        customer_services.message_send(
            customer=order.customer,
            channel="zns",
            fallback_channel="sms",
            purpose="service",
            body=body,
            template_id=f"pickup_{kind}",
            params={"order": order.number, "store": store, "code": order.pickup_code},
            idempotency_key=f"pickup-{kind}:{order.number}",
            ref_type="order",
            ref_id=order.number,
        )
    except DomainError as exc:  # no phone, no consent: the order moves on, the reason is logged
        logger.info("channels: pickup %s notice for %s not sent: %s", kind, order.number, exc.message)


def _can_act_at(user, store: Store) -> bool:
    from o2o_site.roles import Role, has_role

    return has_role(user, Role.MANAGER) or store.staff.filter(pk=user.pk).exists()


def pickup_mark_ready(*, order: Order, by) -> Order:
    """The store picked a pickup order: it is ready, the customer gets the code (once).
    Raises StoreNotAllowed for staff of another store, InvalidTransition."""
    if order.fulfilment != Order.Fulfilment.PICKUP or order.store_id is None:
        raise InvalidTransition(_("Đơn này không phải đơn nhận tại cửa hàng."))
    if not _can_act_at(by, order.store):
        raise StoreNotAllowed()
    return order_status_change(order=order, status=S.READY_FOR_PICKUP, by=by)


def pickup_collect(*, store: Store, code: str, by) -> Order:
    """The customer shows the pickup code at the counter: the order is collected (stock leaves
    the store), and the visit is a check-in on the customer's timeline.

    Raises StoreNotAllowed (not staff of `store`), PickupNotFound, WrongStore (naming the
    order's store), AlreadyCollected, PickupNotReady.
    """
    from .errors import AlreadyCollected, PickupNotFound, PickupNotReady, WrongStore

    code = pickup_code_normalize(code)
    if not code:
        raise InvalidInput(fields={"code": [_("Vui lòng nhập mã nhận hàng.")]})
    if not _can_act_at(by, store):
        raise StoreNotAllowed()
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("channel", "store", "customer")
            .filter(pickup_code=code)
            .first()
        )
        if order is None:
            raise PickupNotFound(fields={"code": [_("Không có đơn nào với mã này.")]})
        if order.store_id != store.pk:
            raise WrongStore(
                _("Mã này thuộc đơn nhận tại %(store)s, không phải %(here)s.")
                % {"store": order.store.name if order.store_id else "?", "here": store.name},
                fields={"store": [order.store.code if order.store_id else ""]},
            )
        if order.status == S.COLLECTED:
            raise AlreadyCollected(
                _("Đơn %(number)s đã được nhận lúc %(when)s.")
                % {"number": order.number, "when": f"{timezone.localtime(order.collected_at):%H:%M %d/%m/%Y}"}
            )
        if order.status != S.READY_FOR_PICKUP:
            raise PickupNotReady(
                _("Đơn %(number)s đang ở trạng thái “%(status)s”, chưa sẵn sàng để giao.")
                % {"number": order.number, "status": order.get_status_display()}
            )
        _order_move(order, S.COLLECTED)
        if order.customer_id:
            checkin_record(
                store=store,
                method=CheckIn.Method.PICKUP,
                customer=order.customer,
                note=_("Nhận đơn %(number)s") % {"number": order.number},
                by=by,
            )
    return order


def pickups_release_uncollected(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Ready pickups the customer did not collect within the hold days go back to stock (the
    order is cancelled, the reservation released) and the customer is told once. Periodic;
    safe to run twice. Returns the orders released."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=conf.pickup_hold_days())
    due = list(
        Order.objects.filter(fulfilment=Order.Fulfilment.PICKUP, status=S.READY_FOR_PICKUP, ready_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    released = 0
    for pk in due:
        with transaction.atomic():
            locked = (
                Order.objects.select_for_update(of=("self",))
                .select_related("channel", "store", "customer")
                .filter(pk=pk, status=S.READY_FOR_PICKUP, ready_at__lt=cutoff)
                .first()
            )
            if locked is None:
                continue
            _order_move(locked, S.CANCELLED)
            _pickup_notify(locked, kind="released")
            released += 1
    return released


def order_return_receive(*, order: Order, store: Store, lines: Sequence[dict], by=None) -> OrderReturn:
    """Takes goods of a handed-over order back at any store: sellable units join that store's
    stock, damaged ones are written in its ledger only; the customer's timeline says where.
    Once every unit is back the order is returned and its purchase and points are reversed
    (once: customers' reversal is idempotent). Lines are `{"sku", "quantity", "condition"}`.

    The order row is locked, so two returns at once cannot give back more than was sold.
    Raises InvalidInput, StoreNotAllowed (staff of another store), InvalidTransition (not handed
    over yet: cancel it instead) and TooManyReturned (more than sold, counting earlier returns).
    """
    from .errors import TooManyReturned

    fields: dict[str, list[str]] = {}
    wanted: dict[str, list[tuple[int, str]]] = {}
    if not isinstance(lines, (list, tuple)) or not lines:
        fields["lines"] = [_("Cần ít nhất một dòng trả hàng.")]
    for i, line in enumerate(lines or []):
        code = str(line.get("sku") or "").strip()
        qty = line.get("quantity")
        condition = line.get("condition") or OrderReturnLine.Condition.SELLABLE
        if not code:
            fields[f"lines.{i}.sku"] = [_("Vui lòng nhập mã SKU.")]
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            fields[f"lines.{i}.quantity"] = [_("Số lượng phải là số nguyên dương.")]
        if condition not in OrderReturnLine.Condition.values:
            fields[f"lines.{i}.condition"] = [_("Tình trạng phải là bán lại được hoặc hư hỏng.")]
        if f"lines.{i}.sku" not in fields and f"lines.{i}.quantity" not in fields:
            wanted.setdefault(code, []).append((qty, condition))
    if fields:
        raise InvalidInput(_("Dữ liệu trả hàng không hợp lệ."), fields=fields)
    if by is not None and not _can_act_at(by, store):
        from o2o_site.roles import Role, has_role

        if not has_role(by, Role.INVENTORY):
            raise StoreNotAllowed()
    with transaction.atomic():
        locked = (
            Order.objects.select_for_update(of=("self",))
            .select_related("channel", "store", "customer")
            .get(pk=order.pk)
        )
        if locked.status not in _HANDED_OVER or locked.stock_state != Order.StockState.COMMITTED:
            raise InvalidTransition(
                _("Đơn đang ở trạng thái “%(status)s”: chỉ nhận trả hàng đã giao cho khách.")
                % {"status": locked.get_status_display()}
            )
        sold: dict[str, tuple[int, int]] = {}
        for sku_id, code, qty in locked.lines.exclude(sku=None).values_list("sku_id", "sku_code", "quantity"):
            sold[code] = (sku_id, sold.get(code, (sku_id, 0))[1] + qty)
        back = dict(
            OrderReturnLine.objects.filter(order_return__order=locked)
            .values("sku_id")
            .annotate(n=Sum("quantity"))
            .values_list("sku_id", "n")
        )
        too_many: dict[str, list[str]] = {}
        for i, line in enumerate(lines):
            code = str(line.get("sku")).strip()
            if code not in sold:
                too_many[f"lines.{i}.sku"] = [_("SKU %(sku)s không có trong đơn.") % {"sku": code}]
                continue
            sku_id, quantity = sold[code]
            asked = sum(q for q, _c in wanted[code])
            if back.get(sku_id, 0) + asked > quantity:
                too_many[f"lines.{i}.quantity"] = [
                    _("Đơn bán %(sold)s, đã trả %(back)s: còn trả được %(left)s.")
                    % {"sold": quantity, "back": back.get(sku_id, 0), "left": quantity - back.get(sku_id, 0)}
                ]
        if too_many:
            raise TooManyReturned(fields=too_many)
        receipt = OrderReturn.objects.create(order=locked, store=store, created_by=by)
        rows = [
            OrderReturnLine(order_return=receipt, sku_id=sold[code][0], quantity=qty, condition=condition)
            for code, parts in wanted.items()
            for qty, condition in parts
        ]
        OrderReturnLine.objects.bulk_create(rows)
        sellable: dict[int, int] = {}
        for row in rows:
            if row.condition == OrderReturnLine.Condition.SELLABLE:
                sellable[row.sku_id] = sellable.get(row.sku_id, 0) + row.quantity
        Stock.objects.bulk_create([Stock(sku_id=pk, location=store) for pk in sorted(sellable)], ignore_conflicts=True)
        for sku_id in sorted(sellable):  # SKU order, as every stock writer locks
            Stock.objects.filter(sku_id=sku_id, location=store).update(on_hand=F("on_hand") + sellable[sku_id])
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    sku_id=row.sku_id,
                    location=store,
                    kind=StockMovement.Kind.RETURN,
                    on_hand_delta=row.quantity if row.condition == OrderReturnLine.Condition.SELLABLE else 0,
                    order=locked,
                    created_by=by,
                    note=_("Hàng hư hỏng, không bán lại") if row.condition == OrderReturnLine.Condition.DAMAGED else "",
                )
                for row in rows
            ]
        )
        if sellable:
            listings_refresh(sku_ids=list(sellable), location_ids=[store.pk], price=False)
        everything_back = all(
            back.get(sku_id, 0) + sum(q for q, _c in wanted.get(code, [])) >= quantity
            for code, (sku_id, quantity) in sold.items()
        )
        if everything_back:
            locked.status = S.RETURNED
            locked.stock_state = Order.StockState.RELEASED
            locked.save(update_fields=["status", "stock_state", "updated_at"])
        if locked.customer_id:
            from customers import services as customer_services

            if everything_back:
                customer_services.record_purchase_reversal(customer=locked.customer, order_ref=locked.number)
            units = sum(row.quantity for row in rows)
            customer_services.record_activity(
                customer=locked.customer,
                kind="order",
                channel="store",
                store_code=store.code,
                summary=_("Trả %(n)s sản phẩm của đơn %(number)s tại %(store)s")
                % {"n": units, "number": locked.number, "store": store.name},
                ref_type="order_return",
                ref_id=str(receipt.pk),
                data={"order": locked.number, "store": store.code, "all_returned": everything_back},
            )
    return receipt


def store_sale_create(
    *,
    store: Store,
    cashier,
    customer=None,
    lines: Sequence[dict],
    total: int,
    discount_total: int = 0,
    reference: str = "",
    idempotency_key: str = "",
) -> Order:
    """Records a sale at a store counter as a delivered in-store Order on the store's channel.

    `lines` are `{"sku": code, "quantity", "unit_price"}`; empty for a total-only sale (the
    cashier typed only a total). SKU lines reserve and commit stock at the store at once.
    Idempotent on `idempotency_key` (a retried submit returns the first order). The cashier must
    be bound to the store (managers may sell anywhere). Raises InsufficientStock, InvalidInput,
    StoreNotAllowed.
    """
    from o2o_site.roles import Role, has_role

    if not has_role(cashier, Role.MANAGER) and not store.staff.filter(pk=cashier.pk).exists():
        raise StoreNotAllowed()
    fields: dict = {}
    clean = _clean_lines(list(lines), fields) if lines else []
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        fields["total"] = [_("Tổng tiền phải là số nguyên VND không âm.")]
    if not isinstance(discount_total, int) or discount_total < 0:
        fields["discount_total"] = [_("Giảm giá phải là số nguyên VND không âm.")]
    if not clean and not fields and total <= 0:
        fields["total"] = [_("Nhập tổng tiền hoặc ít nhất một sản phẩm.")]
    if fields:
        raise InvalidInput(_("Dữ liệu bán hàng không hợp lệ."), fields=fields)
    if idempotency_key:
        done = Order.objects.filter(idempotency_key=idempotency_key).first()
        if done is not None:
            return done
    if clean:
        known = set(SKU.objects.filter(code__in=[ln["sku"] for ln in clean]).values_list("code", flat=True))
        missing = {f"lines.{i}.sku": [_("Không tìm thấy SKU.")] for i, ln in enumerate(clean) if ln["sku"] not in known}
        if missing:
            raise InvalidInput(_("Có sản phẩm không có trong danh mục."), fields=missing)
    channel = _store_channel(store)
    now = timezone.now()
    try:
        with transaction.atomic():
            order = _order_create(
                channel=channel,
                external_id="",
                store=store,
                customer=customer,
                status=S.DELIVERED,
                fulfilment=Order.Fulfilment.IN_STORE,
                placed_at=now,
                updated_at=now,
                lines=clean,
                total=total,
                buyer={},
                hold_on_shortage=False,
                cashier=cashier,
                discount_total=discount_total,
                reference=reference,
                idempotency_key=idempotency_key,
            )
            _customer_record_order(order)
    except IntegrityError:
        if idempotency_key:
            done = Order.objects.filter(idempotency_key=idempotency_key).first()
            if done is not None:
                return done
        raise
    return order


def store_sale_discount_remove(*, order_id: int, amount: int, reference: str = "") -> Order:
    """Gives a counter sale back a discount taken off it (a voucher voided at the counter):
    `discount_total` down and `total` up by `amount` in one guarded UPDATE, so the order, the
    voided redemption and a reprinted receipt agree. The customer's timeline entry follows.
    Raises InvalidInput when the order is not an in-store sale or holds less discount than that.
    """
    if not isinstance(amount, int) or amount < 0:
        raise InvalidInput(_("Số tiền giảm phải là số nguyên VND không âm."), fields={"amount": [_("Không hợp lệ.")]})
    with transaction.atomic():
        changes = {"discount_total": F("discount_total") - amount, "total": F("total") + amount}
        if reference:
            changes["reference"] = reference[:100]
        moved = Order.objects.filter(
            pk=order_id, fulfilment=Order.Fulfilment.IN_STORE, discount_total__gte=amount
        ).update(**changes, updated_at=timezone.now())
        if not moved:
            raise InvalidInput(_("Đơn bán tại quầy này không còn khoản giảm giá đó để hoàn lại."))
        order = Order.objects.select_related("channel", "store", "customer").get(pk=order_id)
        _customer_record_order(order)
    return order


def _store_channel(store: Store) -> SalesChannel:
    if store.sales_channel_id:
        return store.sales_channel
    channel = SalesChannel.objects.filter(kind=SalesChannel.Kind.STORE, is_active=True).order_by("code").first()
    if channel is None:
        channel, _created = SalesChannel.objects.get_or_create(
            code="store", defaults={"name": _("Bán tại cửa hàng"), "kind": SalesChannel.Kind.STORE, "is_online": False}
        )
    return channel


def order_release_hold(*, order: Order) -> Order:
    """Retries a held order after the catalogue or stock was fixed: maps SKUs, reserves stock."""
    with transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",)).select_related("channel", "store").get(pk=order.pk)
        if not locked.is_held:
            return locked
        lines = list(locked.lines.all())
        skus = {s.code: s for s in SKU.objects.filter(code__in=[ln.sku_code for ln in lines])}
        missing = [ln.sku_code for ln in lines if ln.sku_code not in skus]
        if missing:
            raise InvalidInput(_("SKU vẫn chưa có trong danh mục: %(codes)s") % {"codes": ", ".join(missing)})
        specs = [
            {"sku": ln.sku_code, "quantity": ln.quantity, "unit_price": ln.unit_price, "name": ln.name} for ln in lines
        ]
        # Planned again (stock may have come in elsewhere), a line split where one place is short.
        planned = _lines_plan(locked.channel, locked.store, locked.fulfilment, specs, skus)
        OrderLine.objects.filter(order=locked).delete()
        lines = OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=locked,
                    sku=skus[ln["sku"]],
                    sku_code=ln["sku"],
                    name=ln["name"],
                    quantity=ln["quantity"],
                    unit_price=ln["unit_price"],
                    line_total=ln["quantity"] * ln["unit_price"],
                    location_id=ln["location_id"],
                )
                for ln in planned
            ]
        )
        status = locked.status
        if status not in (S.CANCELLED, S.RETURNED):
            _lines_reserve(locked, lines)
            locked.stock_state = Order.StockState.RESERVED
            if status in _HANDED_OVER:
                _lines_commit(locked)
                locked.stock_state = Order.StockState.COMMITTED
        locked.is_held = False
        locked.hold_reason = ""
        locked.save(update_fields=["is_held", "hold_reason", "stock_state", "updated_at"])
        listings_refresh(sku_ids={ln.sku_id for ln in lines}, price=False)
    return locked


# ---------------------------------------------------------------------------------------------
# Order backfill: what a missed webhook never brought
# ---------------------------------------------------------------------------------------------


@dataclass
class BackfillReport:
    channel: str
    seen: int = 0
    created: int = 0
    skipped: str = ""
    error: str = ""


def orders_backfill(
    *, channel: SalesChannel, until: dt.datetime | None = None, lease_seconds: int = 900
) -> BackfillReport:
    """Pulls the orders a marketplace updated since the channel's watermark and ingests them.

    Exactly once: `order_ingest` is idempotent on (channel, external id) and applies a status
    only when newer, so an order the webhook brings later (or brought already) is the same
    order. The run claims the channel's row with a lease (a conditional UPDATE: a second worker
    skips), reads from watermark − overlap (late-indexed orders) to `until` (default: a minute
    ago), and moves the watermark only after the whole window was ingested; on a platform error
    the watermark stays and the error is on the row. Orders short of stock are kept, held.
    """
    from .adapters import AdapterError, adapter_for

    report = BackfillReport(channel=channel.code)
    adapter = adapter_for(channel)
    if not channel.is_active or not adapter.pulls_orders or not adapter.configured:
        report.skipped = "not_configured" if adapter.pulls_orders else "no_order_list"
        return report
    now = timezone.now()
    until = until or now - dt.timedelta(minutes=1)
    OrderBackfill.objects.get_or_create(channel=channel)
    claimed = (
        OrderBackfill.objects.filter(channel=channel)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .update(leased_until=now + dt.timedelta(seconds=lease_seconds))
    )
    if not claimed:
        report.skipped = "leased"
        return report
    state = OrderBackfill.objects.get(channel=channel)
    since = (
        state.watermark - dt.timedelta(seconds=conf.backfill_overlap_seconds())
        if state.watermark
        else until - dt.timedelta(days=conf.backfill_first_days())
    )
    try:
        for payload in adapter.orders_updated(since, until):
            report.seen += 1
            try:
                result = order_ingest(channel_code=channel.code, payload=payload, hold_on_shortage=True)
            except DomainError as exc:  # one malformed order must not stop the window
                logger.warning(
                    "channels: backfill %s order %s refused: %s", channel.code, payload.get("external_id"), exc
                )
                continue
            report.created += int(result.created)
            if report.seen % 200 == 0:  # heartbeat: a long window keeps its lease
                OrderBackfill.objects.filter(pk=state.pk).update(
                    leased_until=timezone.now() + dt.timedelta(seconds=lease_seconds)
                )
    except AdapterError as exc:
        report.error = str(exc)[:2000]
    done = {
        "leased_until": None,
        "last_run_at": timezone.now(),
        "last_error": report.error,
        "orders_seen": F("orders_seen") + report.seen,
        "orders_created": F("orders_created") + report.created,
    }
    if not report.error:
        done["watermark"] = until
    OrderBackfill.objects.filter(pk=state.pk).update(**done)
    return report


def orders_backfill_due() -> list[BackfillReport]:
    """The periodic backfill: every active marketplace channel whose order list we can read."""
    return [orders_backfill(channel=channel) for channel in SalesChannel.objects.filter(is_active=True).order_by("pk")]


# ---------------------------------------------------------------------------------------------
# Webhooks (inbound events)
# ---------------------------------------------------------------------------------------------


def inbound_event_store(*, channel: SalesChannel, shop_id: str, event_id: str, body: str) -> tuple[InboundEvent, bool]:
    """Stores a verified webhook delivery once; the worker imports it after commit."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = InboundEvent.objects.create(
                    channel=channel, shop_id=shop_id[:100], event_id=event_id[:200], body=body
                )
            is_new = True
        except IntegrityError:
            event = InboundEvent.objects.get(channel=channel, shop_id=shop_id[:100], event_id=event_id[:200])
            is_new = False
        if event.status == InboundEvent.Status.RECEIVED:
            from . import tasks

            enqueue_after_commit(tasks.process_inbound_event, event.pk)
    return event, is_new


def inbound_event_process(*, event_id: int) -> InboundEvent:
    """Imports one stored webhook event (idempotent: a processed event is left alone)."""
    import json

    from .adapters import adapter_for

    with transaction.atomic():
        event = InboundEvent.objects.select_for_update(of=("self",)).select_related("channel").get(pk=event_id)
        if event.status == InboundEvent.Status.PROCESSED:
            return event
        event.attempts += 1
        try:
            with transaction.atomic():
                adapter = adapter_for(event.channel)
                for payload in adapter.orders_from_event(json.loads(event.body)):
                    order_ingest(channel_code=event.channel.code, payload=payload, hold_on_shortage=True)
            event.status = InboundEvent.Status.PROCESSED
            event.processed_at = timezone.now()
            event.last_error = ""
        except Exception as exc:  # recorded on the row and retried by the periodic task
            logger.warning("channels: inbound event %s failed: %s", event.pk, exc)
            event.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            event.status = (
                InboundEvent.Status.FAILED
                if event.attempts >= conf.inbound_max_attempts()
                else InboundEvent.Status.RECEIVED
            )
        event.save(update_fields=["status", "attempts", "last_error", "processed_at"])
    return event


# ---------------------------------------------------------------------------------------------
# Check-ins and goals
# ---------------------------------------------------------------------------------------------


def checkin_record(
    *,
    store: Store,
    method: str,
    customer=None,
    phone: str = "",
    full_name: str = "",
    occurred_at: dt.datetime | None = None,
    campaign_id: int | None = None,
    utm: dict | None = None,
    note: str = "",
    by=None,
) -> CheckIn:
    """Records an offline action at a store and puts it on the customer's timeline.

    The customer is given, or resolved from the phone number (customers.customer_resolve raises
    InvalidIdentifier on a bad number).
    """
    if method not in CheckIn.Method.values:
        raise InvalidInput(fields={"method": [_("Cách thức ghé cửa hàng không hợp lệ.")]})
    if not store.is_active:
        raise StoreNotFound(_("Cửa hàng không còn hoạt động."))
    if customer is None:
        if not (phone or "").strip():
            raise InvalidInput(fields={"phone": [_("Vui lòng nhập số điện thoại.")]})
        from customers import services as customer_services

        customer = customer_services.customer_resolve(
            phone=phone, full_name=full_name, source=f"checkin:{method}"
        ).customer
    utm = {k: str(v)[:200] for k, v in (utm or {}).items() if k.startswith("utm_") and v}
    with transaction.atomic():
        checkin = CheckIn.objects.create(
            customer=customer,
            store=store,
            method=method,
            occurred_at=occurred_at or timezone.now(),
            campaign_id=campaign_id,
            utm=utm,
            note=note[:300],
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        from customers import services as customer_services

        customer_services.record_activity(
            customer=customer,
            kind="checkin",
            occurred_at=checkin.occurred_at,
            channel="store",
            store_code=store.code,
            summary=_("Ghé %(store)s (%(method)s)") % {"store": store.name, "method": checkin.get_method_display()},
            ref_type="checkin",
            ref_id=str(checkin.pk),
            campaign_id=campaign_id,
            utm=utm or None,
        )
    return checkin


def checkin_start(
    *,
    store: Store,
    phone: str,
    full_name: str = "",
    campaign_id: int | None = None,
    utm: dict | None = None,
):
    """The public QR page: records the visit at once, with no customer, and sends a one-time
    code to the phone typed. Nothing is created or added to any profile until the visitor types
    the code back (`checkin_confirm`), so nobody can create or enrich customers with a phone
    that is not theirs. Answers (checkin, challenge). Raises InvalidInput on a bad phone; the
    visit stays recorded when the code cannot be sent (customers' VerificationFailed, e.g. too
    many codes to that phone)."""
    from customers.services import otp_send
    from o2o_site.phones import normalize_phone

    if not store.is_active:
        raise StoreNotFound(_("Cửa hàng không còn hoạt động."))
    parsed = normalize_phone(phone)
    if not parsed.ok:
        raise InvalidInput(fields={"phone": [parsed.error or _("Số điện thoại không hợp lệ.")]})
    utm = {k: str(v)[:200] for k, v in (utm or {}).items() if k.startswith("utm_") and v}
    checkin = CheckIn.objects.create(
        customer=None,
        store=store,
        method=CheckIn.Method.QR,
        occurred_at=timezone.now(),
        campaign_id=campaign_id,
        utm=utm,
    )
    challenge = otp_send(
        phone=parsed.e164,
        purpose="checkin",
        context={"checkin": checkin.pk, "store": store.code, "full_name": (full_name or "").strip()[:200]},
    )
    return checkin, challenge


def checkin_confirm(*, challenge: str, code: str) -> CheckIn:
    """The visitor typed the code sent to their phone: the profile is found or created from that
    phone (and the name they gave), and the visit joins its timeline. Idempotent per visit.
    Raises customers' VerificationFailed (wrong, expired, used or locked code)."""
    from customers import services as customer_services

    proof = customer_services.otp_verify(public_id=challenge, code=code, purpose="checkin")
    customer = customer_services.customer_resolve(
        phone=proof.phone, full_name=proof.context.get("full_name", ""), source="checkin:qr"
    ).customer
    with transaction.atomic():
        checkin = CheckIn.objects.select_for_update().select_related("store").get(pk=proof.context["checkin"])
        if checkin.customer_id is None:
            checkin.customer = customer
            checkin.confirmed_at = timezone.now()
            checkin.save(update_fields=["customer", "confirmed_at"])
            customer_services.record_activity(
                customer=customer,
                kind="checkin",
                occurred_at=checkin.occurred_at,
                channel="store",
                store_code=checkin.store.code,
                summary=_("Ghé %(store)s (%(method)s)")
                % {"store": checkin.store.name, "method": checkin.get_method_display()},
                ref_type="checkin",
                ref_id=str(checkin.pk),
                campaign_id=checkin.campaign_id,
                utm=checkin.utm or None,
            )
    return checkin


def goals_set_for_year(
    *,
    channel: SalesChannel,
    year: int,
    revenue: int,
    orders: int,
    new_customers: int,
    monthly_rise_percent: int = 0,
    start_month: int = 1,
) -> list[ChannelGoal]:
    """Sets a year of monthly goals from a first month's figures rising by x% a month."""
    fields = {}
    for name, value in (("revenue", revenue), ("orders", orders), ("new_customers", new_customers)):
        if not isinstance(value, int) or value < 0:
            fields[name] = [_("Phải là số nguyên không âm.")]
    if not isinstance(monthly_rise_percent, int) or not -50 <= monthly_rise_percent <= 100:
        fields["monthly_rise_percent"] = [_("Mức tăng mỗi tháng từ -50% đến 100%.")]
    if not 1 <= start_month <= 12:
        fields["start_month"] = [_("Tháng bắt đầu từ 1 đến 12.")]
    if not 2000 <= year <= 2100:
        fields["year"] = [_("Năm không hợp lệ.")]
    if fields:
        raise InvalidInput(_("Mục tiêu không hợp lệ."), fields=fields)
    from decimal import ROUND_HALF_UP, Decimal

    factor = Decimal(100 + monthly_rise_percent) / Decimal(100)
    out = []
    with transaction.atomic():
        for step, month in enumerate(range(start_month, 13)):
            grow = factor**step

            def scaled(value: int, grow=grow) -> int:
                return int((Decimal(value) * grow).quantize(Decimal(1), rounding=ROUND_HALF_UP))

            goal, _created = ChannelGoal.objects.update_or_create(
                channel=channel,
                month=dt.date(year, month, 1),
                defaults={
                    "revenue_target": scaled(revenue) // 1000 * 1000,
                    "orders_target": scaled(orders),
                    "new_customers_target": scaled(new_customers),
                },
            )
            out.append(goal)
    return out
