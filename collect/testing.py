"""Test builders of the collector, for its tests and other apps' (sources, Segment events)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

from django.utils import timezone


def make_source(name: str = "Website", kind: str = "website", consent_default: str = "analytics"):
    """A source and its write key: `(source, key)`."""
    from .services import source_create

    made = source_create(name=name, kind=kind, consent_default=consent_default)
    return made.source, made.write_key


def basic_auth(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


def event(
    kind: str = "track", *, anon: str = "anon-1", user: str = "", at: dt.datetime | None = None, **fields
) -> dict:
    """A Segment event as a library sends it (messageId, timestamp, context.library)."""
    body = {
        "type": kind,
        "messageId": fields.pop("messageId", None) or str(uuid.uuid4()),
        "timestamp": (at or timezone.now()).isoformat(),
        "context": fields.pop("context", None) or {"library": {"name": "test", "version": "0"}},
    }
    if anon:
        body["anonymousId"] = anon
    if user:
        body["userId"] = user
    body.update(fields)
    return body


def post_batch(client, key: str, events: list, path: str = "/collect/v1/batch", **extra):
    body = {"batch": events, "sentAt": timezone.now().isoformat()} if path.endswith("batch") else events
    return client.post(
        path, data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=basic_auth(key), **extra
    )


def make_campaign(utm_campaign: str = "tet-2027", name: str = "Tết 2027", utm_source: str = "google"):
    from promotions.services import campaign_create

    today = timezone.localdate()
    return campaign_create(
        name=name,
        utm_campaign=utm_campaign,
        journey_stage="acquisition",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=30),
        utm_source=utm_source,
        utm_medium="cpc",
    )
