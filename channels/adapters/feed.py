"""Catalogue feeds (Facebook/Instagram commerce, Google Merchant): the platform fetches a file.

Nothing is sent: "pushing" a listing means it is now part of the feed served at
`/channels/feeds/<channel code>.tsv?token=...` (selectors build it), so push only confirms.
"""

from __future__ import annotations

from .base import ChannelAdapter

FEED_COLUMNS = ["id", "title", "description", "availability", "condition", "price", "brand", "gtin", "link"]


class FeedAdapter(ChannelAdapter):
    kind = "feed"
    batch_size = 1000
    required = ()


class NoPushAdapter(ChannelAdapter):
    """Stores sell at the counter; social chat channels and affiliates take no catalogue push."""

    kind = "none"
    batch_size = 1000
    required = ()
