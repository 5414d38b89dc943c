"""Zalo Notification Service (ZNS): a template message to a phone number.

POST https://business.openapi.zalo.me/message/template, header `access_token`, body
    {"phone": "84912345678", "template_id": "...", "template_data": {...}, "tracking_id": "<key>"}
answers HTTP 200 with {"error": 0, "message": "Success", "data": {"msg_id": "..."}}; a non-zero
`error` is Zalo's refusal. Zalo checks `tracking_id` on its side; we also never call twice for a
message already marked sent.
"""

from __future__ import annotations

from .base import DeliveryError, MessageAdapter, OutboundMessage, post_json

# Zalo errors worth retrying: internal error, quota/rate limits, timeouts.
TRANSIENT_ERRORS = {-1, -32, -100, -108, -133}


class ZaloZnsAdapter(MessageAdapter):
    name = "zalo_zns"

    def __init__(self, *, url: str, access_token: str, timeout: float = 10.0):
        self.url, self.access_token, self.timeout = url, access_token, timeout

    def send(self, message: OutboundMessage) -> str:
        if not message.template_id:
            raise DeliveryError("ZNS needs a template id", permanent=True)
        payload = {
            "phone": message.to_address.lstrip("+"),
            "template_id": message.template_id,
            "template_data": {k: str(v) for k, v in (message.params or {}).items()},
            "tracking_id": message.idempotency_key[:48],
        }
        answer = post_json(self.url, payload, {"access_token": self.access_token}, self.timeout)
        status, body = answer.status, answer.body
        if status >= 500 or status == 429:
            raise DeliveryError(f"Zalo ZNS HTTP {status}", retry_after=answer.retry_after)
        if status >= 400:
            raise DeliveryError(f"Zalo ZNS HTTP {status}: {body}", permanent=True)
        error = int(body.get("error", -1))
        if error != 0:
            raise DeliveryError(
                f"Zalo ZNS error {error}: {body.get('message', '')}", permanent=error not in TRANSIENT_ERRORS
            )
        return str((body.get("data") or {}).get("msg_id", ""))
