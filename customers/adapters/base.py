"""The interface every message adapter implements."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from o2o_site.retry_after import parse_retry_after


@dataclass(frozen=True)
class OutboundMessage:
    """What an adapter needs to send one message; `idempotency_key` goes to the provider."""

    channel: str
    to_address: str
    body: str = ""
    template_id: str = ""
    params: dict = field(default_factory=dict)
    idempotency_key: str = ""


class DeliveryError(Exception):
    """The provider did not accept the message. `permanent` errors are not retried; `retry_after`
    (seconds) is the provider's own word on when to try again (its Retry-After header)."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class GatewayAnswer:
    status: int
    body: dict
    retry_after: float | None = None  # from the Retry-After header, in seconds


class MessageAdapter:
    name = "base"

    def send(self, message: OutboundMessage) -> str:
        """Sends the message; returns the provider's message id; raises DeliveryError."""
        raise NotImplementedError


def post_json(url: str, payload: dict, headers: dict, timeout: float) -> GatewayAnswer:
    """POSTs JSON and answers status, JSON body and Retry-After. Network failures are transient
    DeliveryErrors."""
    if not url.startswith(("http://", "https://")):
        raise DeliveryError(f"invalid gateway URL: {url!r}", permanent=True)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw, wait = response.status, response.read(), response.headers.get("Retry-After")
    except urllib.error.HTTPError as exc:
        status, raw, wait = exc.code, exc.read(), exc.headers.get("Retry-After")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"gateway unreachable: {exc}") from exc
    try:
        body = json.loads(raw.decode("utf-8") or "{}")
    except (ValueError, UnicodeDecodeError):
        body = {"raw": raw[:500].decode("utf-8", "replace")}
    return GatewayAnswer(status, body if isinstance(body, dict) else {"data": body}, parse_retry_after(wait))
