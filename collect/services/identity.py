"""Who an event is about: anonymous ids and userIds tied to customers (stitching).

An id is tied to one customer by a unique row (`Identity`), so two workers stitching the same
id at once end with one owner; the loser's customer is recorded as a conflict, never guessed.
Must not write timeline rows (process.py does).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from customers.services import InvalidIdentifier, customer_resolve

from ..models import Identity, IdentityConflict, RawEvent

logger = logging.getLogger(__name__)

Key = tuple[str, str]  # (Identity.Kind, value)


def identities_known(keys: Iterable[Key]) -> dict[Key, int]:
    keys = {k for k in keys if k[1]}
    if not keys:
        return {}
    by_kind: dict[str, set[str]] = {}
    for kind, value in keys:
        by_kind.setdefault(kind, set()).add(value)
    known: dict[Key, int] = {}
    for kind, values in by_kind.items():
        for value, customer_id in Identity.objects.filter(kind=kind, value__in=values).values_list(
            "value", "customer_id"
        ):
            known[(kind, value)] = customer_id
    return known


def traits_resolve(traits: dict[str, str], *, source: str) -> int | None:
    """The customer of an event's traits (created when new); None when the traits are unusable."""
    try:
        return customer_resolve(**traits, source=f"collect:{source}"[:50]).customer.pk
    except InvalidIdentifier as exc:
        logger.info("collect: traits not usable (%s)", exc.code)
        return None


class Stitcher:
    """Ties ids to customers while a batch of events is processed (inside its transaction).

    `link()` is called in event order; `save()` writes the new ties in one INSERT, re-reads the
    winners (a concurrent batch may have tied the same id first) and records conflicts.
    """

    def __init__(self, known: dict[Key, int]):
        self.known = known
        self.new: dict[Key, tuple[int, int]] = {}  # key → (customer, event id)
        self.conflicts: list[tuple[Key, int, int]] = []

    def customer_of(self, key: Key) -> int | None:
        return self.known.get(key) if key[1] else None

    def link(self, key: Key, customer_id: int, event_id: int) -> None:
        if not key[1]:
            return
        owner = self.known.get(key)
        if owner is None:
            self.known[key] = customer_id
            self.new[key] = (customer_id, event_id)
        elif owner != customer_id:
            self.conflicts.append((key, customer_id, event_id))

    def save(self) -> list[Key]:
        """Writes the new ties; answers the keys that are now ours (their waiting events can go)."""
        if not self.new:
            self._save_conflicts()
            return []
        Identity.objects.bulk_create(
            [Identity(kind=k[0], value=k[1], customer_id=c) for k, (c, _e) in self.new.items()],
            ignore_conflicts=True,
        )
        winners = identities_known(self.new)
        stitched = []
        for key, (customer_id, event_id) in self.new.items():
            owner = winners.get(key)
            if owner == customer_id:
                stitched.append(key)
            elif owner is not None:
                self.known[key] = owner
                self.conflicts.append((key, customer_id, event_id))
        self._save_conflicts()
        return stitched

    def _save_conflicts(self) -> None:
        if not self.conflicts:
            return
        ids = {
            (kind, value): pk
            for pk, kind, value in Identity.objects.filter(
                value__in={k[1] for k, _c, _e in self.conflicts}
            ).values_list("pk", "kind", "value")
        }
        existing_events = set(
            RawEvent.objects.filter(pk__in={e for _k, _c, e in self.conflicts}).values_list("pk", flat=True)
        )
        IdentityConflict.objects.bulk_create(
            [
                IdentityConflict(
                    identity_id=ids[key],
                    other_customer_id=customer_id,
                    event_id=event_id if event_id in existing_events else None,
                )
                for key, customer_id, event_id in self.conflicts
                if key in ids
            ],
            ignore_conflicts=True,
        )
        for key, customer_id, _event in self.conflicts:
            logger.warning("collect: %s %s already belongs to another customer than #%s", *key, customer_id)
        self.conflicts = []
