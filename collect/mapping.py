"""From a Segment event to timeline rows: pure functions, no database.

`event_map(payload, ...)` answers the rows one event makes: its own (page → web visit, the
e-commerce spec's names → product view / cart add / checkout / online order, lead forms → lead,
any other name → "other" under its own name) and, when the event came with UTM codes or an ad
click id, an ad click too. A family of names is a table here, not an if/elif in the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

# Segment's e-commerce spec names (and the lead names) → Activity kinds. Case and spacing are
# ignored: "Product Viewed", "product_viewed" and "product viewed" are one name.
TRACK_KINDS = {
    "product viewed": "product_view",
    "product added": "cart_add",
    "checkout started": "checkout",
    "order completed": "order",
    "lead submitted": "lead",
    "form submitted": "lead",
}
PAGE_TYPES = {"page": "web_visit", "screen": "web_visit"}
# Ad platforms' click ids, as they appear in a landing page's query string.
CLICK_IDS = ("gclid", "gbraid", "wbraid", "fbclid", "ttclid")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# context.campaign uses Segment's short names; `name` is the campaign.
_CAMPAIGN_KEYS = {
    "source": "utm_source",
    "medium": "utm_medium",
    "name": "utm_campaign",
    "campaign": "utm_campaign",
    "term": "utm_term",
    "content": "utm_content",
}
_ANALYTICS = {"analytics", "performance", "statistics", "measurement"}
_MARKETING = {"advertising", "marketing", "targeting"}


@dataclass(frozen=True)
class Consent:
    analytics: bool
    marketing: bool


@dataclass
class MappedRow:
    kind: str
    summary: str
    utm: dict = field(default_factory=dict)
    amount: int | None = None
    data: dict = field(default_factory=dict)
    click_id: str = ""
    # What makes two rows one: a landing's events (its page view, a track on it) are one click.
    dedupe_key: str = ""


def _text(value, limit: int = 300) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def event_consent(payload: dict, default: str) -> Consent:
    """`context.consent.categoryPreferences` when the event has one (a category it does not
    name is not consented), else the source's default (`none`, `analytics` or `all`)."""
    prefs = _dict(_dict(_dict(payload.get("context")).get("consent")).get("categoryPreferences"))
    if prefs:
        granted = {str(k).strip().lower() for k, v in prefs.items() if v is True}
        return Consent(analytics=bool(granted & _ANALYTICS), marketing=bool(granted & _MARKETING))
    return Consent(analytics=default in ("analytics", "all"), marketing=default == "all")


def page_url(payload: dict) -> str:
    context_page = _dict(_dict(payload.get("context")).get("page"))
    return _text(context_page.get("url"), 2000) or _text(_dict(payload.get("properties")).get("url"), 2000)


def url_params(url: str) -> dict[str, str]:
    if not url:
        return {}
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return {}
    return {k: v[0][:200] for k, v in query.items() if v and v[0]}


def event_utm(payload: dict, params: dict[str, str]) -> dict:
    """UTM codes from `context.campaign`, or, when it has none, from the page URL's query."""
    campaign = _dict(_dict(payload.get("context")).get("campaign"))
    utm = {}
    for key, value in campaign.items():
        name = _CAMPAIGN_KEYS.get(key) or (key if key in UTM_KEYS else "")
        if name and _text(value, 200):
            utm[name] = _text(value, 200)
    if not utm:
        utm = {k: params[k] for k in UTM_KEYS if params.get(k)}
    return utm


def event_click_ids(payload: dict, params: dict[str, str]) -> dict:
    ids = {k: params[k] for k in CLICK_IDS if params.get(k)}
    # The snippet keeps landing-page click ids for the attribution window and sends them here.
    for key, value in _dict(_dict(payload.get("context")).get("clickIds")).items():
        if key in CLICK_IDS and _text(value, 200):
            ids.setdefault(key, _text(value, 200))
    return ids


def _amount(properties: dict) -> int | None:
    for key in ("revenue", "total", "value", "price"):
        value = properties.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 10**13:
            return int(round(value))
    return None


def _main_row(payload: dict) -> MappedRow | None:
    kind_of_event = payload.get("type")
    properties = _dict(payload.get("properties"))
    if kind_of_event in PAGE_TYPES:
        name = _text(payload.get("name")) or _text(properties.get("title")) or _text(properties.get("path"))
        return MappedRow(kind=PAGE_TYPES[kind_of_event], summary=name or page_url(payload)[:300])
    if kind_of_event != "track":
        return None  # identify, alias, group: who, not what
    name = _text(payload.get("event"), 200)
    kind = TRACK_KINDS.get(" ".join(name.replace("_", " ").lower().split()), "other")
    detail = _text(properties.get("name")) or _text(properties.get("product_id")) or _text(properties.get("order_id"))
    summary = f"{name}: {detail}" if detail else name
    data = {"event": name}
    if kind == "order" and _text(properties.get("order_id"), 100):
        data["order_id"] = _text(properties.get("order_id"), 100)
    return MappedRow(
        kind=kind, summary=summary[:300], amount=_amount(properties) if kind == "order" else None, data=data
    )


def event_map(payload: dict, consent: Consent) -> list[MappedRow]:
    """The timeline rows of one event (none for identify/alias/group, or without analytics
    consent). Without marketing consent no ad click id is kept and rows say so in `data`."""
    if not consent.analytics:
        return []
    row = _main_row(payload)
    url = page_url(payload)
    params = url_params(url)
    utm = event_utm(payload, params)
    clicks = event_click_ids(payload, params) if consent.marketing else {}
    rows = []
    if row is not None:
        row.utm = utm
        rows.append(row)
    # The ad click is the landing: UTM codes or a click id in the page's URL (or, from a server
    # library that sends no page, in context.campaign). Later pages carry the kept UTM codes in
    # context.campaign for attribution, and are not clicks again.
    landed = any(k in params for k in (*UTM_KEYS, *CLICK_IDS)) or (not url and bool(utm))
    if row is not None and landed:
        click_id = next(iter(clicks.values()), "")
        data = {**clicks}
        if click_id:
            data["click_id"] = click_id
        label = utm.get("utm_campaign") or utm.get("utm_source") or next(iter(clicks), "")
        dedupe = f"click:{click_id}" if click_id else f"url:{url}"
        rows.append(
            MappedRow(kind="ad_click", summary=label[:300], utm=utm, data=data, click_id=click_id, dedupe_key=dedupe)
        )
    for r in rows:
        r.data.setdefault("marketing_consent", consent.marketing)
    return rows


def event_traits(payload: dict) -> dict[str, str]:
    """The identifying traits of an event, as `customer_resolve` arguments."""
    traits = _dict(payload.get("traits")) if payload.get("type") == "identify" else {}
    if not traits:
        traits = _dict(_dict(payload.get("context")).get("traits"))
    found = {
        "phone": _text(traits.get("phone"), 50),
        "email": _text(traits.get("email"), 254),
        "zalo_id": _text(traits.get("zalo_id") or traits.get("zaloId"), 100),
        "facebook_id": _text(traits.get("facebook_id") or traits.get("facebookId"), 100),
    }
    found = {k: v for k, v in found.items() if v}
    if found:
        name = _text(traits.get("name"), 200) or " ".join(
            p for p in (_text(traits.get("lastName"), 100), _text(traits.get("firstName"), 100)) if p
        )
        if name:
            found["full_name"] = name
    return found
