"""The collector's fast path: read a Segment-format request, check each event, append the good
ones as raw rows in one multi-row INSERT, and hand them to the processing task after commit.

Nothing here touches the timeline: `events_process` does, later (at once with no broker). What
this module must not do: resolve customers, look up campaigns, or write one row per statement.
"""

from __future__ import annotations

import gzip
import json
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from o2o_site.api import DomainError
from o2o_site.outbox import enqueue_after_commit

from .. import conf
from ..models import RawEvent, Source

EVENT_TYPES = {"track", "page", "screen", "identify", "alias", "group"}


class Malformed(DomainError):
    code = "malformed"
    status_code = 400


class RateLimited(DomainError):
    code = "rate_limited"
    status_code = 429


@dataclass
class IngestResult:
    accepted: int = 0
    rejected: list[dict] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"success": True, "accepted": self.accepted, "rejected": self.rejected}


def payload_parse(*, body: bytes, content_encoding: str = "") -> dict:
    """The request body as a JSON object; gzip/deflate bodies are inflated with the same limit.
    Raises Malformed (400): `batch_too_large`, `malformed`."""
    too_large = Malformed(
        _("Yêu cầu vượt quá 500 KB."), code="batch_too_large", extra={"limit_bytes": conf.MAX_BATCH_BYTES}
    )
    if len(body) > conf.MAX_BATCH_BYTES:
        raise too_large
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("gzip", "deflate"):
        try:
            inflater = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
            body = inflater.decompress(body, conf.MAX_BATCH_BYTES + 1)
        except (zlib.error, gzip.BadGzipFile):
            raise Malformed(_("Nội dung nén không đọc được."))
        if len(body) > conf.MAX_BATCH_BYTES or inflater.unconsumed_tail:
            raise too_large
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Malformed(_("Nội dung không phải JSON hợp lệ."))
    if not isinstance(data, dict):
        raise Malformed(_("Nội dung phải là một đối tượng JSON."))
    return data


def rate_check(*, source: Source, ip: str, events: int) -> None:
    """Counts events per source and IP per minute (the shared cache when REDIS_URL is set).
    Raises RateLimited (429, `retry_after`): Segment's libraries wait and send again, so a burst
    past the limit loses nothing."""
    limit = conf.events_per_minute_per_ip()
    if not limit:
        return
    now = timezone.now()
    key = f"collect:rate:{source.pk}:{ip}:{now:%Y%m%d%H%M}"
    cache.add(key, 0, timeout=90)
    try:
        used = cache.incr(key, events)
    except ValueError:  # evicted between add and incr
        cache.set(key, events, timeout=90)
        used = events
    if used > limit:
        raise RateLimited(_("Gửi quá nhiều sự kiện, hãy thử lại sau ít giây."), extra={"retry_after": 60 - now.second})


def _id(value) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    return value.strip()[:100] if isinstance(value, str) else ""


def _timestamp(raw, received: datetime) -> tuple[datetime | None, str]:
    """(occurred_at, error code). Late events keep their time; far-future ones are clamped."""
    if raw in (None, ""):
        return received, ""
    if not isinstance(raw, str):
        return None, "invalid_timestamp"
    try:
        at = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None, "invalid_timestamp"
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    if at < received - timedelta(days=conf.late_days()):
        return None, "too_old"
    if at > received + timedelta(seconds=conf.future_skew_seconds()):
        return received, ""
    return at, ""


_MESSAGES = {
    "invalid_event": gettext_lazy("Sự kiện phải là một đối tượng JSON."),
    "event_too_large": gettext_lazy("Sự kiện vượt quá 32 KB."),
    "invalid_type": gettext_lazy("Loại sự kiện phải là track, page, screen, identify, alias hoặc group."),
    "missing_id": gettext_lazy("Sự kiện cần userId hoặc anonymousId."),
    "missing_event": gettext_lazy("Sự kiện track cần tên (event)."),
    "missing_previous_id": gettext_lazy("Sự kiện alias cần previousId."),
    "invalid_message_id": gettext_lazy("messageId phải là chuỗi tối đa 100 ký tự."),
    "invalid_timestamp": gettext_lazy("timestamp phải theo ISO 8601."),
    "too_old": gettext_lazy("Sự kiện cũ hơn số ngày cho phép."),
}


def _check(event, forced_type: str | None, received: datetime) -> tuple[RawEvent | None, str]:
    if not isinstance(event, dict):
        return None, "invalid_event"
    if len(json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")) > conf.MAX_EVENT_BYTES:
        return None, "event_too_large"
    kind = forced_type or event.get("type")
    if kind not in EVENT_TYPES:
        return None, "invalid_type"
    user_id, anonymous_id = _id(event.get("userId")), _id(event.get("anonymousId"))
    if not user_id and not anonymous_id:
        return None, "missing_id"
    if kind == "track" and not (isinstance(event.get("event"), str) and event["event"].strip()):
        return None, "missing_event"
    if kind == "alias" and not _id(event.get("previousId")):
        return None, "missing_previous_id"
    message_id = event.get("messageId")
    if message_id is None:
        message_id = f"o2o-{uuid.uuid4()}"
    elif not isinstance(message_id, str) or not message_id or len(message_id) > 100:
        return None, "invalid_message_id"
    occurred_at, error = _timestamp(event.get("timestamp") or event.get("originalTimestamp"), received)
    if error:
        return None, error
    event["type"] = kind
    return (
        RawEvent(
            message_id=message_id,
            type=kind,
            anonymous_id=anonymous_id,
            user_id=user_id,
            occurred_at=occurred_at,
            received_at=received,
            payload=event,
        ),
        "",
    )


def events_ingest(*, source: Source, data: dict, forced_type: str | None = None) -> IngestResult:
    """Checks the events of a parsed request and appends the good ones in one INSERT.

    `forced_type` is the type of a single-event endpoint (`/v1/track` …): there the one event
    is the request, and a bad one raises Malformed (400). In a batch each bad event is listed
    in `rejected` and every other one is kept. Duplicates of a (source, messageId) already
    stored are accepted and add nothing (the unique constraint, not a lookup).
    """
    received = timezone.now()
    if forced_type:
        events = [data]
    else:
        events = data.get("batch")
        if not isinstance(events, list):
            raise Malformed(_("Thiếu danh sách batch."), fields={"batch": [_("Cần một danh sách sự kiện.")]})
    shared_context = data.get("context") if not forced_type and isinstance(data.get("context"), dict) else None
    result = IngestResult()
    rows: list[RawEvent] = []
    for index, event in enumerate(events):
        if shared_context and isinstance(event, dict):
            event["context"] = {**shared_context, **(event.get("context") or {})}
        row, error = _check(event, forced_type, received)
        if row is None:
            message_id = event.get("messageId") if isinstance(event, dict) else None
            if forced_type:
                raise Malformed(_MESSAGES[error], code=error)
            result.rejected.append(
                {
                    "index": index,
                    "messageId": message_id if isinstance(message_id, str) else None,
                    "code": error,
                    "message": str(_MESSAGES[error]),
                }
            )
            continue
        row.source = source
        rows.append(row)
    if rows:
        with transaction.atomic():
            created = RawEvent.objects.bulk_create(rows, ignore_conflicts=True)
            from ..tasks import events_process_task

            # Ids are known on PostgreSQL only with RETURNING, which ignore_conflicts gives up:
            # the task picks this source's pending rows instead.
            enqueue_after_commit(events_process_task, source.pk)
        result.accepted = len(created)
    return result
