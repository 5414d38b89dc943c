"""Raw events → timeline rows (the task's work), with identity stitching and consent.

`events_process` takes pending raw events (row locks, SKIP LOCKED: two workers never take the
same), ties anonymous ids / userIds to customers from the traits they carry, maps each event
to its timeline rows and appends them with one bulk INSERT; events of someone not yet known
wait, and go to the timeline, at their own time, as soon as an identify names the person.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from customers.services import ActivityEntry, activities_record_bulk
from o2o_site.outbox import enqueue_after_commit

from .. import conf
from ..mapping import event_consent, event_map, event_traits
from ..models import Identity, RawEvent, Source
from ..selectors import campaign_ids_by_utm
from .identity import Stitcher, identities_known, traits_resolve

logger = logging.getLogger(__name__)

ANON, USER = Identity.Kind.ANONYMOUS, Identity.Kind.USER


@dataclass
class ProcessResult:
    events: int = 0
    rows: int = 0
    waiting: int = 0
    skipped: int = 0


def _locked(qs, limit: int) -> list[RawEvent]:
    return list(qs.order_by("pk").select_for_update(skip_locked=True)[:limit])


def events_process(*, source_id: int | None = None, limit: int | None = None) -> ProcessResult:
    """Processes up to `limit` pending raw events (of one source, or all) in one transaction.
    Idempotent: a replayed event finds its rows already there (ref_id = source:messageId)."""
    limit = limit or conf.process_batch_size()
    with transaction.atomic():
        qs = RawEvent.objects.filter(state=RawEvent.State.PENDING)
        if source_id is not None:
            qs = qs.filter(source_id=source_id)
        rows = _locked(qs, limit)
        return _process(rows) if rows else ProcessResult()


def events_process_pending(*, rounds: int = 20) -> int:
    """The periodic sweep: pending events a task never took (broker down); answers how many."""
    done = 0
    for _round in range(rounds):
        result = events_process()
        done += result.events
        if not result.events:
            break
    # Waiting events whose person became known while no recheck could run (broker down).
    known = Identity.objects.filter(
        Q(kind=ANON, value=OuterRef("anonymous_id")) | Q(kind=USER, value=OuterRef("user_id"))
    )
    ready = list(
        RawEvent.objects.filter(state=RawEvent.State.WAITING)
        .filter(Exists(known))
        .values_list("anonymous_id", "user_id")[:5000]
    )
    if ready:
        done += events_recheck(keys=[(ANON, a) for a, _u in ready] + [(USER, u) for _a, u in ready])
    cutoff = timezone.now() - timedelta(days=conf.waiting_days())
    RawEvent.objects.filter(state=RawEvent.State.WAITING, occurred_at__lt=cutoff).update(
        state=RawEvent.State.SKIPPED, payload={}
    )
    return done


def _process(rows: list[RawEvent]) -> ProcessResult:
    sources = {s.pk: s for s in Source.objects.filter(pk__in={r.source_id for r in rows})}
    keys = {(ANON, r.anonymous_id) for r in rows} | {(USER, r.user_id) for r in rows}
    keys |= {(USER, str(r.payload.get("previousId") or "")[:100]) for r in rows if r.type == "alias"}
    stitcher = Stitcher(identities_known(keys))
    direct: dict[int, int] = {}  # event id → the customer its own traits name
    resolved: dict[tuple, int | None] = {}
    for row in rows:
        _identify(row, stitcher, direct, resolved, sources[row.source_id])
    stitched = stitcher.save()
    # Earlier events of the ids just stitched were waiting: they go now, at their own time.
    if stitched:
        rows += _waiting_for(stitched)
    result = _to_timeline(rows, stitcher, direct, sources)
    # A concurrent batch may stitch an id while this one leaves its events waiting (neither
    # sees the other's uncommitted rows): whichever commits last finds the other's work when
    # both look again after commit.
    recheck = set(stitched) | {
        key
        for r in rows
        if r.state == RawEvent.State.WAITING
        for key in ((ANON, r.anonymous_id), (USER, r.user_id))
        if key[1]
    }
    if recheck:
        from ..tasks import events_recheck_task

        enqueue_after_commit(events_recheck_task, sorted(recheck))
    return result


def events_recheck(*, keys: Sequence[Sequence[str]]) -> int:
    """Processes waiting events of these (kind, value) ids whose person is known by now."""
    keys = [(str(k), str(v)) for k, v in keys if v]
    anon = [v for k, v in keys if k == ANON]
    user = [v for k, v in keys if k == USER]
    if not keys:
        return 0
    with transaction.atomic():
        qs = RawEvent.objects.filter(state=RawEvent.State.WAITING).filter(
            Q(anonymous_id__in=anon) | Q(user_id__in=user)
        )
        rows = _locked(qs, 100_000)
        known = identities_known({(ANON, r.anonymous_id) for r in rows} | {(USER, r.user_id) for r in rows})
        rows = [r for r in rows if known.get((USER, r.user_id)) or known.get((ANON, r.anonymous_id))]
        if not rows:
            return 0
        return _process(rows).events


def _identify(row: RawEvent, stitcher: Stitcher, direct: dict, resolved: dict, source: Source) -> None:
    anon, user = (ANON, row.anonymous_id), (USER, row.user_id)
    traits = event_traits(row.payload)
    if traits:
        cache_key = tuple(sorted(traits.items()))
        if cache_key not in resolved:
            resolved[cache_key] = traits_resolve(traits, source=source.name)
        customer_id = resolved[cache_key]
        if customer_id:
            direct[row.pk] = customer_id
            stitcher.link(user, customer_id, row.pk)
            stitcher.link(anon, customer_id, row.pk)
        return
    if row.type == "alias":
        previous = str(row.payload.get("previousId") or "")[:100]
        owner = (
            stitcher.customer_of(user)
            or stitcher.customer_of((USER, previous))
            or stitcher.customer_of((ANON, previous))
        )
        if owner:
            stitcher.link(user, owner, row.pk)
            stitcher.link((ANON, previous), owner, row.pk)
            stitcher.link((USER, previous), owner, row.pk)
        return
    # A known userId ties the device's anonymous id to its person.
    owner = stitcher.customer_of(user)
    if owner:
        stitcher.link(anon, owner, row.pk)


def _waiting_for(keys: Sequence[tuple[str, str]]) -> list[RawEvent]:
    anon = [v for k, v in keys if k == ANON]
    user = [v for k, v in keys if k == USER]
    qs = RawEvent.objects.filter(state=RawEvent.State.WAITING)
    found: list[RawEvent] = []
    if anon:
        found += _locked(qs.filter(anonymous_id__in=anon), 100_000)
    if user:
        seen = {r.pk for r in found}
        found += [r for r in _locked(qs.filter(user_id__in=user), 100_000) if r.pk not in seen]
    return found


def _ref(key: str) -> str:
    """A dedupe key as a ref_id (≤ 100 characters: long URLs are hashed)."""
    return key if len(key) <= 100 else "h:" + hashlib.sha256(key.encode()).hexdigest()


def _to_timeline(rows: list[RawEvent], stitcher: Stitcher, direct: dict, sources: dict) -> ProcessResult:
    now = timezone.now()
    result = ProcessResult(events=len(rows))
    mapped = []
    for row in rows:
        source = sources.get(row.source_id) or Source.objects.get(pk=row.source_id)
        sources[row.source_id] = source
        customer_id = (
            direct.get(row.pk)
            or stitcher.customer_of((USER, row.user_id))
            or stitcher.customer_of((ANON, row.anonymous_id))
        )
        consent = event_consent(row.payload, source.consent_default)
        if not consent.analytics:
            row.state, row.payload = RawEvent.State.SKIPPED, {}
            result.skipped += 1
            continue
        if row.type in ("identify", "alias", "group"):
            row.state, row.customer_id = RawEvent.State.DONE, customer_id
            continue
        if customer_id is None:
            row.state = RawEvent.State.WAITING
            result.waiting += 1
            continue
        row.state, row.customer_id = RawEvent.State.DONE, customer_id
        mapped.append((row, source, event_map(row.payload, consent)))
    codes = {m.utm.get("utm_campaign") for _r, _s, ms in mapped for m in ms if m.utm.get("utm_campaign")}
    campaigns = campaign_ids_by_utm(codes) if codes else {}
    entries = []
    for row, source, rows_of_event in mapped:
        ref = f"{row.source_id}:{row.message_id}"
        for m in rows_of_event:
            entries.append(
                ActivityEntry(
                    customer_id=row.customer_id,
                    kind=m.kind,
                    occurred_at=row.occurred_at,
                    channel=source.kind,
                    summary=m.summary,
                    ref_type="collect",
                    ref_id=_ref(m.dedupe_key) if m.dedupe_key else ref,
                    amount=m.amount,
                    campaign_id=campaigns.get(m.utm.get("utm_campaign", "")),
                    utm=m.utm,
                    data={**m.data, "source": source.name},
                )
            )
    result.rows = activities_record_bulk(entries=entries)
    for row in rows:
        if row.state != RawEvent.State.WAITING:
            row.processed_at = now
    RawEvent.objects.bulk_update(rows, ["state", "customer_id", "processed_at", "payload"], batch_size=1000)
    return result
