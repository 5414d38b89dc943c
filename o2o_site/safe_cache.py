"""The shared cache, used so that its outage degrades a feature and never fails a request.

Rate limits, idempotency shortcuts and counters read and write the cache (Redis when
`REDIS_URL` is set). When Redis is stopped or unreachable, `cache_call` raises `CacheDown`
instead of the client library's error, logged once per outage, and skips the cache for
`CACHE_RETRY_SECONDS` (5) so every request does not pay a connection attempt. Callers catch
`CacheDown` and take their documented fallback (a database count, an in-process answer).
It never hides a programming error: only connection-level failures count as an outage.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

_state = threading.local()
_lock = threading.Lock()
_down_until = 0.0


class CacheDown(Exception):
    """The cache could not be reached; the caller degrades."""


def _outage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError, OSError]
    try:
        import redis.exceptions

        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.BusyLoadingError]
    except ImportError:  # no redis client installed: only the in-process cache is possible
        pass
    return tuple(errors)


_OUTAGE = _outage_errors()


def _retry_seconds() -> float:
    return float(getattr(settings, "CACHE_RETRY_SECONDS", 5))


def cache_is_down() -> bool:
    return time.monotonic() < _down_until


def mark_cache_down(exc: BaseException | None = None) -> None:
    global _down_until
    with _lock:
        first = not cache_is_down()
        _down_until = time.monotonic() + _retry_seconds()
    if first:
        logger.warning("cache unreachable (%s): degrading for %.0f s", exc, _retry_seconds())


def reset() -> None:
    """Forgets a recorded outage (tests; a restarted cache is otherwise retried after the pause)."""
    global _down_until
    with _lock:
        _down_until = 0.0


def cache_call(method: str, *args: Any, **kwargs: Any) -> Any:
    """`cache.<method>(*args, **kwargs)`, or CacheDown when the cache is (recently found) down."""
    if cache_is_down():
        raise CacheDown()
    try:
        return getattr(cache, method)(*args, **kwargs)
    except _OUTAGE as exc:
        mark_cache_down(exc)
        raise CacheDown() from exc
