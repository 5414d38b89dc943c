"""A generic HTTP SMS gateway (brandname SMS providers in Vietnam expose this shape).

POST {url} with `Authorization: Bearer <token>` and `Idempotency-Key: <key>`:
    {"to": "84912345678", "sender": "O2O", "text": "...", "client_ref": "<key>"}
answers 2xx {"id": "<provider message id>"}. 4xx is permanent (bad number, bad content), 5xx and
network errors are transient. The gateway deduplicates on the idempotency key, so a retry after
a lost answer never sends twice.
"""

from __future__ import annotations

from .base import DeliveryError, MessageAdapter, OutboundMessage, post_json


class HttpSmsAdapter(MessageAdapter):
    name = "http_sms"

    def __init__(self, *, url: str, token: str, sender: str, timeout: float = 10.0):
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout

    def send(self, message: OutboundMessage) -> str:
        payload = {
            "to": message.to_address.lstrip("+"),
            "sender": self.sender,
            "text": message.body,
            "client_ref": message.idempotency_key,
        }
        headers = {"Idempotency-Key": message.idempotency_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        answer = post_json(self.url, payload, headers, self.timeout)
        status, body = answer.status, answer.body
        if 200 <= status < 300:
            return str(body.get("id") or body.get("message_id") or "")
        detail = body.get("error") or body.get("message") or body
        raise DeliveryError(
            f"SMS gateway HTTP {status}: {detail}",
            permanent=400 <= status < 500 and status != 429,
            retry_after=answer.retry_after,
        )
