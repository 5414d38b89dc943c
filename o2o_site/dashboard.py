"""The manager's landing page: headline figures that each app contributes.

o2o_site sits below every app, so it cannot ask channels or support for numbers. Instead each
app registers a provider in its AppConfig.ready() (as it registers its screens in navigation):
a function of the local day that returns a few `Headline`s from a fixed number of queries.
Providers read through their own app's selectors; they never write and never call out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .roles import user_roles


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    url_name: str = ""
    # "" (neutral), "ok", "warn" or "danger": how the figure should catch the eye.
    tone: str = ""
    # Smaller lines under the figure: (label, value), e.g. revenue per channel.
    details: tuple[tuple[str, str], ...] = ()
    url: str = ""


@dataclass(frozen=True)
class _Provider:
    fn: Callable[[dt.date], list[Headline]]
    roles: frozenset[str] = field(default_factory=frozenset)
    order: int = 100


_PROVIDERS: dict[str, _Provider] = {}


def register(key: str, fn: Callable[[dt.date], list[Headline]], roles, order: int = 100) -> None:
    _PROVIDERS[key] = _Provider(fn=fn, roles=frozenset(str(r) for r in roles), order=order)


def headlines_for(user, *, day: dt.date | None = None) -> list[Headline]:
    """Every headline the user's roles may see, for `day` (today in Asia/Ho_Chi_Minh)."""
    day = day or timezone.localdate()
    mine = user_roles(user)
    out: list[Headline] = []
    for provider in sorted(_PROVIDERS.values(), key=lambda p: p.order):
        if not provider.roles & mine:
            continue
        for headline in provider.fn(day):
            try:
                url = reverse(headline.url_name) if headline.url_name else ""
            except NoReverseMatch:
                url = ""
            out.append(Headline(**{**headline.__dict__, "url": url}))
    return out


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day as [start, end) aware datetimes."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)
