"""Channel adapters: one module per platform, behind `base.ChannelAdapter`.

`adapter_for(channel)` picks the adapter for the channel's kind with its credentials (from
settings/env, see channels.conf). Adapters never touch the database.
"""

from __future__ import annotations

from ..conf import channel_credentials
from .base import AdapterError, ChannelAdapter, ListingPush, WebhookEvent
from .feed import FeedAdapter, NoPushAdapter
from .lazada import LazadaAdapter
from .shopee import ShopeeAdapter
from .tiki import TikiAdapter
from .tiktok_shop import TikTokShopAdapter
from .website import WebsiteAdapter

ADAPTERS: dict[str, type[ChannelAdapter]] = {
    "shopee": ShopeeAdapter,
    "lazada": LazadaAdapter,
    "tiki": TikiAdapter,
    "tiktok_shop": TikTokShopAdapter,
    "website": WebsiteAdapter,
    "app": WebsiteAdapter,
    "facebook": FeedAdapter,
    "instagram": FeedAdapter,
    "google": FeedAdapter,
    "store": NoPushAdapter,
    "zalo": NoPushAdapter,
    "tiktok": NoPushAdapter,
    "affiliate": NoPushAdapter,
}


def adapter_class(kind: str) -> type[ChannelAdapter]:
    return ADAPTERS.get(kind, NoPushAdapter)


def content_kinds() -> list[str]:
    """The channel kinds whose adapter sends title/description (content has a sync state there)."""
    return sorted(kind for kind, cls in ADAPTERS.items() if cls.pushes and cls.pushes_content)


def adapter_for(channel) -> ChannelAdapter:
    cls = ADAPTERS.get(channel.kind, NoPushAdapter)
    adapter = cls(channel, channel_credentials(channel))
    batch = (channel.adapter_settings or {}).get("batch_size")
    if isinstance(batch, int) and 0 < batch < adapter.batch_size:
        adapter.batch_size = batch  # a channel may ask for smaller batches, never larger
    return adapter


__all__ = [
    "AdapterError",
    "ChannelAdapter",
    "ListingPush",
    "WebhookEvent",
    "adapter_class",
    "adapter_for",
    "content_kinds",
]
