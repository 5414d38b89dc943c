"""The failed-code limiter: guessing codes is stopped, a valid code at its own till never is.

Who is counted, and what a count blocks:
- a signed-in staff member (a cashier at the counter or the API): their own failures
  (`PROMOTIONS_LOOKUP_FAILURES_PER_MINUTE`, 10) block every lookup of that account only;
- the store of the lookup: the failures of all its staff together
  (`PROMOTIONS_LOOKUP_FAILURES_PER_STORE_PER_MINUTE`, 30) turn the next *unknown* code into a
  refusal (429) — a valid code is still accepted, so other people's guessing never stops a till;
- the public pages (`/v/<code>/`): the client address (`o2o_site.client_ip`, from the trusted
  proxy header only) with `PROMOTIONS_PUBLIC_LOOKUP_FAILURES_PER_MINUTE` (10), counted apart
  from the staff counts, so anonymous visitors never block a cashier.
Windows are fixed minutes; a refusal carries `retry_after`, the seconds until the window ends.

Counts live in the shared cache. With the cache down (Redis stopped) they fall back to a
database count (`LookupFailure` rows of the current window), logged by `o2o_site.safe_cache`:
a Redis outage never stops redemption. Database rows are written only outside a transaction
(a refused redemption rolls its own back), which is why `failures_counted` counts on the way
out of the outermost service.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import timezone

from o2o_site.safe_cache import CacheDown, cache_call

from . import conf
from .errors import RateLimited, VoucherRefused
from .models import AuditEntry, LookupFailure

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Counter:
    scope: str  # "user:12", "store:3", "public:203.0.113.9"
    limit: int

    def cache_key(self, bucket: int) -> str:
        return f"promotions:lookup-fail:{self.scope}:{bucket}"


def _is_staff(user) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False)) and bool(user.pk)


def _own_counters(user, ip: str | None) -> list[Counter]:
    """What blocks every lookup of this caller: the account for staff, the address for the public."""
    if _is_staff(user):
        return [Counter(f"user:{user.pk}", conf.lookup_failures_per_minute())]
    if ip:
        return [Counter(f"public:{ip}", conf.public_lookup_failures_per_minute())]
    return []


def _store_counter(user, store) -> Counter | None:
    if _is_staff(user) and store is not None:
        return Counter(f"store:{store.pk}", conf.store_lookup_failures_per_minute())
    return None


def _window(now: dt.datetime) -> tuple[int, dt.datetime, int]:
    """(bucket number, window start, seconds left in it)."""
    stamp = now.timestamp()
    bucket = int(stamp // WINDOW_SECONDS)
    start = dt.datetime.fromtimestamp(bucket * WINDOW_SECONDS, tz=dt.UTC)
    left = max(1, math.ceil((bucket + 1) * WINDOW_SECONDS - stamp))
    return bucket, start, left


def _counts(counters: list[Counter], now: dt.datetime) -> dict[str, int]:
    bucket, start, _left = _window(now)
    try:
        found = cache_call("get_many", [c.cache_key(bucket) for c in counters])
        return {c.scope: int(found.get(c.cache_key(bucket)) or 0) for c in counters}
    except CacheDown:
        rows = LookupFailure.objects.filter(scope__in=[c.scope for c in counters], at__gte=start)
        by_scope: dict[str, int] = {}
        for scope in rows.values_list("scope", flat=True):
            by_scope[scope] = by_scope.get(scope, 0) + 1
        return {c.scope: by_scope.get(c.scope, 0) for c in counters}


def _refuse(*, user, ip: str | None, store, counts: dict[str, int], left: int, reason: str) -> RateLimited:
    AuditEntry.objects.create(
        action=AuditEntry.Action.LOOKUP_BLOCKED,
        actor=user if _is_staff(user) else None,
        ip=ip or None,
        data={"failures": counts, "reason": reason, "store": getattr(store, "code", None)},
    )
    logger.warning(
        "voucher lookups blocked (%s) for user=%s store=%s ip=%s",
        reason,
        getattr(user, "pk", None),
        getattr(store, "code", None),
        ip,
    )
    return RateLimited(extra={"retry_after": left})


def lookup_guard(*, user, ip: str | None, store=None) -> None:
    """Refuses (RateLimited, 429, `retry_after`) a lookup once this caller's own failures reached
    the limit this minute: the staff member's account, or the public client's address.
    The store's count never blocks here (see `lookup_failed`). Every refusal is audited."""
    counters = _own_counters(user, ip)
    if not counters:
        return
    now = timezone.now()
    counts = _counts(counters, now)
    if any(counts[c.scope] >= c.limit for c in counters):
        raise _refuse(user=user, ip=ip, store=store, counts=counts, left=_window(now)[2], reason="own")


def lookup_failed(*, user, ip: str | None, store=None) -> None:
    """Counts one failed lookup (a code that does not exist) for the caller and their store.

    Raises RateLimited when the store's staff together failed too often this minute: the
    unknown code is answered "try later" instead of "not found", so guessing stops, while a
    valid code of the store still goes through.
    """
    counters = _own_counters(user, ip)
    store_counter = _store_counter(user, store)
    if store_counter is not None:
        counters.append(store_counter)
    if not counters:
        return
    now = timezone.now()
    bucket, _start, left = _window(now)
    counts = _increment(counters, bucket, now)
    if store_counter is not None and counts.get(store_counter.scope, 0) > store_counter.limit:
        raise _refuse(user=user, ip=ip, store=store, counts=counts, left=left, reason="store")


def _increment(counters: list[Counter], bucket: int, now: dt.datetime) -> dict[str, int]:
    counts: dict[str, int] = {}
    try:
        for counter in counters:
            key = counter.cache_key(bucket)
            cache_call("add", key, 0, timeout=WINDOW_SECONDS * 2)
            try:
                counts[counter.scope] = int(cache_call("incr", key))
            except ValueError:  # expired between add and incr
                cache_call("set", key, 1, timeout=WINDOW_SECONDS * 2)
                counts[counter.scope] = 1
        return counts
    except CacheDown:
        LookupFailure.objects.bulk_create([LookupFailure(scope=c.scope, at=now) for c in counters])
        # Old windows are of no use: trimmed here, so the fallback table stays a few rows.
        LookupFailure.objects.filter(at__lt=now - dt.timedelta(seconds=WINDOW_SECONDS * 5)).delete()
        return _counts(counters, now)


_counting: contextvars.ContextVar[bool] = contextvars.ContextVar("promotions_failures_counted", default=False)


@contextmanager
def failures_counted(*, user, ip: str | None, store=None) -> Iterator[None]:
    """Counts a `not_found` refusal leaving the block — in the outermost such block only.

    A refusal rolls its transaction back, so the count (a database row when the cache is down)
    is taken by the outermost service, after its transaction: `cashier_checkout` wraps
    `voucher_redeem`, and the inner block leaves the count to the outer one.
    """
    if _counting.get():
        yield
        return
    token = _counting.set(True)
    try:
        yield
    except VoucherRefused as exc:
        _counting.reset(token)
        token = None
        if exc.code == "not_found":
            lookup_failed(user=user, ip=ip, store=store)
        raise
    finally:
        if token is not None:
            _counting.reset(token)
