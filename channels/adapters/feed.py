"""Catalogue feeds (Facebook/Instagram commerce, Google Merchant): the platform fetches a file.

Nothing is sent: a listing is part of the feed served at `/channels/feeds/<channel code>.tsv?token=...`
(selectors build it). It is in sync only once the platform fetched a feed that held its current
price, stock and content (`services.feed_served` records that); without a `feed_token` nobody can
fetch it, so the channel is "not configured".
"""

from __future__ import annotations

from .base import ChannelAdapter

FEED_COLUMNS = ["id", "title", "description", "availability", "condition", "price", "brand", "gtin", "link"]


class FeedAdapter(ChannelAdapter):
    kind = "feed"
    batch_size = 1000
    required = ("feed_token",)
    pushes_content = True
    acknowledged_by_fetch = True


class NoPushAdapter(ChannelAdapter):
    """Stores sell at the counter; social chat channels and affiliates take no catalogue push."""

    kind = "none"
    batch_size = 1000
    required = ()
    pushes = False
