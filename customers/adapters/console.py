"""The default adapter: writes the message to the log and pretends it went out."""

from __future__ import annotations

import logging

from .base import MessageAdapter, OutboundMessage

logger = logging.getLogger("customers.messages")


class ConsoleAdapter(MessageAdapter):
    name = "console"

    def __init__(self, channel: str):
        self.channel = channel

    def send(self, message: OutboundMessage) -> str:
        logger.info(
            "[%s] to=%s template=%s body=%s", self.channel, message.to_address, message.template_id, message.body
        )
        return f"console-{message.idempotency_key}"
