"""Attribution of offline events (store visits, store purchases, leads) to online campaigns.

An online *touch* is a customer activity that carries a campaign (its `campaign_id`, or a
`utm_campaign` — or short `campaign` — UTM value that names a promotions Campaign). An offline event is credited to the campaign
of the customer's last touch (or first, on request) in the window before the event:
`event_at - window <= touch_at <= event_at`. Everything here builds querysets with correlated
subqueries, so a report groups by the attributed campaign in the database, never in a Python loop.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BigIntegerField,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from customers.models import Activity
from promotions.models import Campaign

# What counts as an online touch: the customer was reached by, or acted on, an online campaign.
TOUCH_KINDS = (
    Activity.Kind.AD_CLICK,
    Activity.Kind.WEB_VISIT,
    Activity.Kind.PRODUCT_VIEW,
    Activity.Kind.CART_ADD,
    Activity.Kind.INQUIRY,
    Activity.Kind.LEAD,
)

LAST_TOUCH = "last"
FIRST_TOUCH = "first"


def touch_campaign_expression():
    """The campaign of an Activity row: its campaign_id, else the Campaign its utm.campaign names."""
    by_key = Campaign.objects.filter(utm_campaign=KeyTextTransform("utm_campaign", OuterRef("utm"))).values("pk")[:1]
    by_short_key = Campaign.objects.filter(utm_campaign=KeyTextTransform("campaign", OuterRef("utm"))).values("pk")[:1]
    return Coalesce(F("campaign_id"), Subquery(by_key), Subquery(by_short_key), output_field=BigIntegerField())


def touches(*, kinds=TOUCH_KINDS) -> QuerySet[Activity]:
    """Online touches with their resolved campaign as `touch_campaign` (null = no campaign)."""
    return (
        Activity.objects.filter(kind__in=list(kinds))
        .filter(Q(campaign_id__isnull=False) | Q(utm__has_key="utm_campaign") | Q(utm__has_key="campaign"))
        .annotate(touch_campaign=touch_campaign_expression())
        .filter(touch_campaign__isnull=False)
    )


def attributed_touch(
    *,
    customer_ref: str = "customer_id",
    at_ref: str,
    window: dt.timedelta,
    model: str = LAST_TOUCH,
    kinds=TOUCH_KINDS,
    value: str = "touch_campaign",
):
    """A Subquery giving, for the outer row, `value` of the touch that wins attribution.

    `customer_ref`/`at_ref` name the outer row's customer id and event time columns.
    """
    at = OuterRef(at_ref)
    since = ExpressionWrapper(OuterRef(at_ref) - Value(window), output_field=DateTimeField())
    order = ("-occurred_at", "-pk") if model == LAST_TOUCH else ("occurred_at", "pk")
    qs = touches(kinds=kinds).filter(customer_id=OuterRef(customer_ref), occurred_at__lte=at, occurred_at__gte=since)
    return Subquery(qs.order_by(*order).values(value)[:1])
