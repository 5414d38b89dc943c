"""Outbound message adapters: one module per external system, behind one interface (base.py).

`adapter_for(channel)` picks the configured adapter, or None when no gateway is configured for
the channel (the message is then `not_configured`: nothing pretends to have sent it). The console
adapter, which only logs, is chosen explicitly (`make run` does) so a demo runs with no accounts. Adapters only talk to the provider: they never touch the
database (the message service records attempts and results).
"""

from __future__ import annotations

from customers import conf

from .base import DeliveryError, MessageAdapter, OutboundMessage


def adapter_for(channel: str) -> MessageAdapter | None:
    from .console import ConsoleAdapter

    if channel == "sms" and conf.sms_adapter() == "http":
        from .http_sms import HttpSmsAdapter

        return HttpSmsAdapter(url=conf.sms_gateway_url(), token=conf.sms_gateway_token(), sender=conf.sms_sender())
    if channel == "zns" and conf.zns_adapter() == "zalo":
        from .zalo_zns import ZaloZnsAdapter

        return ZaloZnsAdapter(url=conf.zns_url(), access_token=conf.zns_access_token())
    if channel == "email" and conf.email_adapter() == "django":
        from .email import DjangoEmailAdapter

        return DjangoEmailAdapter()
    chosen = {"sms": conf.sms_adapter, "zns": conf.zns_adapter, "email": conf.email_adapter}.get(channel)
    if chosen is not None and chosen() == "console":
        return ConsoleAdapter(channel=channel)
    return None


__all__ = ["DeliveryError", "MessageAdapter", "OutboundMessage", "adapter_for"]
