"""Every write of the collector. One module per use case family; the public names are here."""

from .identity import traits_resolve
from .ingest import IngestResult, Malformed, RateLimited, events_ingest, payload_parse, rate_check
from .process import ProcessResult, events_process, events_process_pending, events_recheck
from .sources import BadWriteKey, NewSource, source_authenticate, source_create, source_revoke

__all__ = [
    "BadWriteKey",
    "IngestResult",
    "Malformed",
    "NewSource",
    "ProcessResult",
    "RateLimited",
    "events_ingest",
    "events_process",
    "events_process_pending",
    "events_recheck",
    "payload_parse",
    "rate_check",
    "source_authenticate",
    "source_create",
    "source_revoke",
    "traits_resolve",
]
