"""Catalogue feeds (Facebook/Instagram commerce, Google Merchant): the platform fetches a file.

Nothing is sent: a listing is part of the feed served at `/channels/feeds/<channel code>.tsv?token=...`
(selectors build it). It is in sync only once the platform fetched a feed that held its current
price, stock and content (`services.feed_served` records that); without a `feed_token` nobody can
fetch it, so the channel is "not configured".
"""

from __future__ import annotations

from .base import ChannelAdapter

# Google Merchant Center's product data specification (also read by Facebook/Instagram catalogues):
# required id, title, description, link, image_link, availability, price; brand and gtin (or
# identifier_exists = no) for new products; condition; item_group_id + color/size for variants.
FEED_COLUMNS = [
    "id",
    "item_group_id",
    "title",
    "description",
    "link",
    "image_link",
    "availability",
    "price",
    "condition",
    "brand",
    "gtin",
    "identifier_exists",
    "color",
    "size",
]
# Without these the platform refuses the item: such a listing is left out of the file, failed.
REQUIRED = ["id", "title", "description", "link", "image_link", "availability", "price", "brand"]


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
