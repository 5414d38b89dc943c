"""The interface every message adapter implements."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field


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
    """The provider did not accept the message. `permanent` errors are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class MessageAdapter:
    name = "base"

    def send(self, message: OutboundMessage) -> str:
        """Sends the message; returns the provider's message id; raises DeliveryError."""
        raise NotImplementedError


def post_json(url: str, payload: dict, headers: dict, timeout: float) -> tuple[int, dict]:
    """POSTs JSON and answers (status, JSON body). Network failures are transient DeliveryErrors."""
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
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"gateway unreachable: {exc}") from exc
    try:
        body = json.loads(raw.decode("utf-8") or "{}")
    except (ValueError, UnicodeDecodeError):
        body = {"raw": raw[:500].decode("utf-8", "replace")}
    return status, body if isinstance(body, dict) else {"data": body}
