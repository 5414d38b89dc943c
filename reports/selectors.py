"""Reports' reads: every figure on the /reports/ screens and in their CSV exports.

Each selector runs a fixed number of grouped queries whatever the data size (query-count tests
hold them to it); attribution happens in SQL via correlated subqueries (attribution.py).
Reports may read every app's models; it never writes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from channels.models import ChannelGoal, CheckIn, Order, SalesChannel, Store
from customers.models import Activity, ContactKind, ContactPoint, Customer
from customers.selectors import link_click_through
from promotions.models import BudgetPlan, Campaign, CampaignSpend, JourneyStage, Redemption

from . import attribution
from .forms import DateRange
from .models import CustomerScore, SegmentMessageCampaign

LIVE_ORDER = ~Q(status__in=[Order.Status.CANCELLED, Order.Status.RETURNED])


def _rate(numerator: int, denominator: int) -> float | None:
    """Percent with one decimal, None when the denominator is 0 (shown as "—")."""
    if not denominator:
        return None
    return round(numerator * 100 / denominator, 1)


def _per(amount: int, count: int) -> int | None:
    if not count:
        return None
    return round(amount / count)


# --- Budget --------------------------------------------------------------------------------


def budget_plan_list() -> list[BudgetPlan]:
    return list(BudgetPlan.objects.order_by("-starts_on", "-pk"))


def budget_plan_for_date(day: dt.date) -> BudgetPlan | None:
    """The plan whose period covers the day, else the latest one."""
    qs = BudgetPlan.objects.order_by("-starts_on", "-pk")
    return qs.filter(starts_on__lte=day, ends_on__gte=day).first() or qs.first()


def _split_exact(total: int, shares: dict[str, int]) -> dict[str, int]:
    """Splits whole VND by percent so the parts add up to the total exactly (largest remainder)."""
    raw = {k: total * v for k, v in shares.items()}
    parts = {k: r // 100 for k, r in raw.items()}
    remainder = total - sum(parts.values())
    for key in sorted(raw, key=lambda k: (-(raw[k] % 100), k))[:remainder]:
        parts[key] += 1
    return parts


@dataclass
class BudgetReport:
    plan: BudgetPlan
    rows: list[dict]
    planned_total: int
    actual_total: int
    campaigns: list[dict] = field(default_factory=list)


def budget_report(*, plan: BudgetPlan) -> BudgetReport:
    """Planned amount per journey stage against spend recorded on campaigns in the plan's period."""
    shares = {stage.value: plan.share(stage.value) for stage in JourneyStage}
    planned = _split_exact(int(plan.total_budget), shares)
    spends = CampaignSpend.objects.filter(spent_on__gte=plan.starts_on, spent_on__lte=plan.ends_on)
    by_stage = {
        row["campaign__journey_stage"]: row["amount"]
        for row in spends.values("campaign__journey_stage").annotate(amount=Sum("amount"))
    }
    by_campaign = list(
        spends.values("campaign_id", "campaign__name", "campaign__journey_stage")
        .annotate(amount=Sum("amount"))
        .order_by("-amount", "campaign_id")
    )
    labels = dict(JourneyStage.choices)
    rows = []
    for stage in JourneyStage:
        actual = int(by_stage.get(stage.value) or 0)
        rows.append(
            {
                "stage": stage.value,
                "label": labels[stage.value],
                "percent": shares[stage.value],
                "planned": planned[stage.value],
                "actual": actual,
                "variance": planned[stage.value] - actual,
                "used_percent": _rate(actual, planned[stage.value]),
                "over": actual > planned[stage.value],
            }
        )
    campaigns = [
        {
            "campaign_id": row["campaign_id"],
            "name": row["campaign__name"],
            "stage": labels.get(row["campaign__journey_stage"], row["campaign__journey_stage"]),
            "amount": int(row["amount"] or 0),
        }
        for row in by_campaign
    ]
    return BudgetReport(
        plan=plan,
        rows=rows,
        planned_total=sum(planned.values()),
        actual_total=sum(r["actual"] for r in rows),
        campaigns=campaigns,
    )


# --- O2O chain -----------------------------------------------------------------------------


def campaign_choices() -> list[Campaign]:
    return list(Campaign.objects.order_by("-starts_on", "pk"))


def store_choices() -> list[Store]:
    return list(Store.objects.filter(is_warehouse=False).order_by("code"))


def store_purchases() -> QuerySet[Order]:
    """Orders bought at a store counter (live ones: not cancelled, not returned)."""
    return Order.objects.filter(LIVE_ORDER, store__isnull=False).filter(
        Q(fulfilment=Order.Fulfilment.IN_STORE) | Q(channel__kind=SalesChannel.Kind.STORE)
    )


@dataclass
class O2OReport:
    date_range: DateRange
    model: str
    window_days: int
    totals: dict
    campaigns: list[dict]
    channels: list[dict]
    stores: list[dict]
    daily: list[dict]
    # The chain as a funnel of people: how many customers clicked, and of those how many became
    # leads, of those how many visited a store, of those how many bought there. Unlike the event
    # counts in `totals`, each step is a subset of the one before, so no rate passes 100 %.
    funnel: list[dict] = field(default_factory=list)


def _chain_rates(row: dict) -> dict:
    row["click_to_lead"] = _rate(row["leads"], row["clicks"])
    row["lead_to_visit"] = _rate(row["visits"], row["leads"])
    row["visit_to_purchase"] = _rate(row["purchases"], row["visits"])
    row["revenue_per_visit"] = _per(row["revenue"], row["visits"])
    row["cost_per_visit"] = _per(row["spend"], row["visits"])
    return row


def _empty_chain(**extra) -> dict:
    return {
        "clicks": 0,
        "leads": 0,
        "visits": 0,
        "purchases": 0,
        "revenue": 0,
        "redemptions": 0,
        "spend": 0,
        **extra,
    }


def o2o_report(
    *,
    date_range: DateRange,
    campaign_id: int | None = None,
    store_id: int | None = None,
    channel_id: int | None = None,
    model: str = attribution.LAST_TOUCH,
    window_days: int = 7,
) -> O2OReport:
    """The chain ad click → lead → store visit → store purchase, per campaign, channel and store.

    Clicks are ad-click activities in the range, by their own campaign. Leads (lead activities),
    store visits (check-ins) and store purchases in the range are credited to the campaign of
    the customer's last (or first) online touch within `window_days` before them; events with
    no touch in the window are "not attributed" (campaign None). Redemptions count by the
    voucher's campaign; spend is the campaigns' spend entries dated in the range.
    """
    window = dt.timedelta(days=window_days)
    start, end = date_range.start_at, date_range.end_at

    clicks_qs = attribution.touches(kinds=[Activity.Kind.AD_CLICK]).filter(occurred_at__gte=start, occurred_at__lt=end)
    leads_qs = Activity.objects.filter(kind=Activity.Kind.LEAD, occurred_at__gte=start, occurred_at__lt=end)
    visits_qs = CheckIn.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    purchases_qs = store_purchases().filter(placed_at__gte=start, placed_at__lt=end, customer__isnull=False)
    redemptions_qs = Redemption.objects.filter(
        status=Redemption.Status.ACTIVE, redeemed_at__gte=start, redeemed_at__lt=end
    )
    spend_qs = CampaignSpend.objects.filter(spent_on__gte=date_range.start, spent_on__lte=date_range.end)
    if store_id:
        visits_qs = visits_qs.filter(store_id=store_id)
        purchases_qs = purchases_qs.filter(store_id=store_id)
        redemptions_qs = redemptions_qs.filter(store_id=store_id)

    plain_leads, plain_visits, plain_purchases = leads_qs, visits_qs, purchases_qs

    def credited(qs, at: str):
        return qs.annotate(credited=attribution.attributed_touch(at_ref=at, window=window, model=model))

    leads_qs = credited(leads_qs, "occurred_at")
    visits_qs = credited(visits_qs, "occurred_at")
    purchases_qs = credited(purchases_qs, "placed_at")
    if campaign_id:
        clicks_qs = clicks_qs.filter(touch_campaign=campaign_id)
        leads_qs = leads_qs.filter(credited=campaign_id)
        visits_qs = visits_qs.filter(credited=campaign_id)
        purchases_qs = purchases_qs.filter(credited=campaign_id)
        redemptions_qs = redemptions_qs.filter(campaign_id=campaign_id)
        spend_qs = spend_qs.filter(campaign_id=campaign_id)
    if channel_id:
        # Only what the campaigns run on that sales channel brought.
        ids = Campaign.objects.filter(channel_id=channel_id).values("pk")
        clicks_qs = clicks_qs.filter(touch_campaign__in=ids)
        leads_qs = leads_qs.filter(credited__in=ids)
        visits_qs = visits_qs.filter(credited__in=ids)
        purchases_qs = purchases_qs.filter(credited__in=ids)
        redemptions_qs = redemptions_qs.filter(campaign_id__in=ids)
        spend_qs = spend_qs.filter(campaign_id__in=ids)

    by_campaign: dict[int | None, dict] = defaultdict(_empty_chain)
    for row in clicks_qs.values("touch_campaign").annotate(n=Count("pk")).order_by():
        by_campaign[row["touch_campaign"]]["clicks"] = row["n"]
    for row in leads_qs.values("credited").annotate(n=Count("customer_id", distinct=True)).order_by():
        by_campaign[row["credited"]]["leads"] = row["n"]
    for row in visits_qs.values("credited").annotate(n=Count("pk")).order_by():
        by_campaign[row["credited"]]["visits"] = row["n"]
    for row in purchases_qs.values("credited").annotate(n=Count("pk"), revenue=Sum("total")).order_by():
        by_campaign[row["credited"]]["purchases"] = row["n"]
        by_campaign[row["credited"]]["revenue"] = int(row["revenue"] or 0)
    for row in redemptions_qs.values("campaign_id").annotate(n=Count("pk")).order_by():
        by_campaign[row["campaign_id"]]["redemptions"] = row["n"]
    for row in spend_qs.values("campaign_id").annotate(amount=Sum("amount")).order_by():
        by_campaign[row["campaign_id"]]["spend"] = int(row["amount"] or 0)

    # Click-through of the campaigns' messages (tracked links), sent in the range.
    link_rates = link_click_through(campaign_ids=[campaign_id] if campaign_id else None, since=start, until=end)
    for key in link_rates:
        if not channel_id or key in by_campaign:
            by_campaign[key]
    campaigns = {
        c.pk: c for c in Campaign.objects.select_related("channel").filter(pk__in=[k for k in by_campaign if k])
    }
    campaign_rows, channel_rows = [], {}
    for key, figures in by_campaign.items():
        campaign = campaigns.get(key)
        # The campaign's sales channel, else its utm_source (facebook, zalo, google…).
        channel_name = None
        if campaign is not None:
            channel_name = campaign.channel.name if campaign.channel else (campaign.utm_source or None)
        row = _chain_rates(
            {
                **figures,
                "campaign_id": key if campaign else None,
                "name": campaign.name if campaign else None,
                "utm_campaign": campaign.utm_campaign if campaign else "",
                "channel": channel_name,
                "message_click_through": link_rates.get(key),
            }
        )
        campaign_rows.append(row)
        bucket = channel_rows.setdefault(channel_name, _empty_chain(channel=channel_name))
        for k in ("clicks", "leads", "visits", "purchases", "revenue", "redemptions", "spend"):
            bucket[k] += figures[k]
    campaign_rows.sort(key=lambda r: (r["campaign_id"] is None, -r["purchases"], -r["visits"], r["name"] or ""))
    channel_list = sorted(
        (_chain_rates(r) for r in channel_rows.values()), key=lambda r: (r["channel"] is None, r["channel"] or "")
    )

    totals = _empty_chain()
    for row in campaign_rows:
        for k in totals:
            totals[k] += row[k]
    _chain_rates(totals)

    funnel = _customer_funnel(
        clicks_qs=clicks_qs, leads_qs=plain_leads, visits_qs=plain_visits, purchases_qs=plain_purchases
    )
    stores = _store_chain(visits_qs=visits_qs, purchases_qs=purchases_qs)
    daily = _daily_chain(date_range, clicks_qs=clicks_qs, visits_qs=visits_qs, purchases_qs=purchases_qs)
    return O2OReport(
        date_range=date_range,
        model=model,
        window_days=window_days,
        totals=totals,
        campaigns=campaign_rows,
        channels=channel_list,
        stores=stores,
        daily=daily,
        funnel=funnel,
    )


FUNNEL_STEPS = ("clicks", "leads", "visits", "purchases")


def _customer_funnel(*, clicks_qs, leads_qs, visits_qs, purchases_qs) -> list[dict]:
    """Customers at each step of the chain among those who passed the step before (one query).

    Each step is "did it in the period" (lead, store visit, store purchase), for a customer who
    clicked an ad of the selected campaigns in the period and passed every earlier step.
    """

    def did(qs):
        return Exists(qs.filter(customer_id=OuterRef("pk")).order_by().values("pk"))

    counts = (
        Customer.objects.filter(pk__in=clicks_qs.order_by().values("customer_id"))
        .annotate(lead=did(leads_qs), visit=did(visits_qs), purchase=did(purchases_qs))
        .aggregate(
            clicks=Count("pk"),
            leads=Count("pk", filter=Q(lead=True)),
            visits=Count("pk", filter=Q(lead=True, visit=True)),
            purchases=Count("pk", filter=Q(lead=True, visit=True, purchase=True)),
        )
    )
    first = counts["clicks"]
    steps, previous = [], None
    for key in FUNNEL_STEPS:
        value = counts[key]
        steps.append(
            {
                "key": key,
                "customers": value,
                "of_previous": None if previous is None else _rate(value, previous),
                "of_first": _rate(value, first),
            }
        )
        previous = value
    return steps


def _store_chain(*, visits_qs, purchases_qs) -> list[dict]:
    """Per store: visits and purchases, and how many of them an online campaign brought."""
    rows: dict[int, dict] = {}
    names = {s.pk: s for s in Store.objects.filter(is_warehouse=False)}
    for store_id, store in names.items():
        rows[store_id] = {
            "store": store,
            "visits": 0,
            "attributed_visits": 0,
            "purchases": 0,
            "attributed_purchases": 0,
            "revenue": 0,
            "attributed_revenue": 0,
        }
    for row in (
        visits_qs.values("store_id")
        .annotate(n=Count("pk"), attributed=Count("pk", filter=Q(credited__isnull=False)))
        .order_by()
    ):
        if row["store_id"] in rows:
            rows[row["store_id"]].update(visits=row["n"], attributed_visits=row["attributed"])
    for row in (
        purchases_qs.values("store_id")
        .annotate(
            n=Count("pk"),
            attributed=Count("pk", filter=Q(credited__isnull=False)),
            revenue=Coalesce(Sum("total"), 0),
            attributed_revenue=Coalesce(Sum("total", filter=Q(credited__isnull=False)), 0),
        )
        .order_by()
    ):
        if row["store_id"] in rows:
            rows[row["store_id"]].update(
                purchases=row["n"],
                attributed_purchases=row["attributed"],
                revenue=int(row["revenue"]),
                attributed_revenue=int(row["attributed_revenue"]),
            )
    out = []
    for row in rows.values():
        row["visit_to_purchase"] = _rate(row["purchases"], row["visits"])
        out.append(row)
    return sorted(out, key=lambda r: (-r["revenue"], r["store"].code))


def _daily_chain(date_range: DateRange, *, clicks_qs, visits_qs, purchases_qs) -> list[dict]:
    days = {d: {"day": d, "clicks": 0, "visits": 0, "purchases": 0} for d in date_range.dates()}
    tz = timezone.get_current_timezone()
    for key, qs, at in (
        ("clicks", clicks_qs, "occurred_at"),
        ("visits", visits_qs, "occurred_at"),
        ("purchases", purchases_qs, "placed_at"),
    ):
        for row in qs.annotate(day=TruncDate(at, tzinfo=tz)).values("day").annotate(n=Count("pk")).order_by():
            if row["day"] in days:
                days[row["day"]][key] = row["n"]
    return list(days.values())


# --- Offline conversions export ------------------------------------------------------------


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest() if value else ""


def offline_conversions(
    *, date_range: DateRange, window_days: int = 7, conversion_name: str = "Store purchase"
) -> list[dict]:
    """Store purchases that followed an online ad click within the window, for ad-platform upload.

    Each row: the click id of the winning ad click (gclid/fbclid/ttclid from its UTM or data)
    when there is one, else hashed phone and email (SHA-256 of the normalized value, as the
    platforms require), the conversion time in Vietnam time with its offset, and the value in VND.
    """
    window = dt.timedelta(days=window_days)
    purchases = (
        store_purchases()
        .filter(placed_at__gte=date_range.start_at, placed_at__lt=date_range.end_at, customer__isnull=False)
        .annotate(
            click_id=attribution.attributed_touch(
                at_ref="placed_at", window=window, kinds=[Activity.Kind.AD_CLICK], value="pk"
            )
        )
        .filter(click_id__isnull=False)
        .order_by("placed_at", "pk")
        .values("pk", "number", "customer_id", "placed_at", "total", "click_id")
    )
    purchases = list(purchases)
    clicks = {
        a.pk: a
        for a in Activity.objects.filter(pk__in=[p["click_id"] for p in purchases]).only(
            "pk", "utm", "data", "campaign_id"
        )
    }
    contacts: dict[int, dict[str, str]] = defaultdict(dict)
    for cp in (
        ContactPoint.objects.filter(
            customer_id__in={p["customer_id"] for p in purchases},
            kind__in=[ContactKind.PHONE, ContactKind.EMAIL],
            is_blocked=False,
        )
        .order_by("customer_id", "-is_primary", "pk")
        .values("customer_id", "kind", "value")
    ):
        contacts[cp["customer_id"]].setdefault(cp["kind"], cp["value"])
    tz = timezone.get_current_timezone()
    rows = []
    for p in purchases:
        click = clicks.get(p["click_id"])
        if click is not None and (click.data or {}).get("marketing_consent") is False:
            continue  # collected without advertising consent: never sent to an ad platform
        ids = {**(click.data or {}), **(click.utm or {})} if click else {}
        click_id = ids.get("gclid") or ids.get("fbclid") or ids.get("ttclid") or ids.get("click_id") or ""
        mine = contacts.get(p["customer_id"], {})
        rows.append(
            {
                "click_id": str(click_id),
                "hashed_email": _sha256(mine.get(ContactKind.EMAIL, "").strip().lower()),
                "hashed_phone": _sha256(mine.get(ContactKind.PHONE, "").strip()),
                "conversion_name": conversion_name,
                "conversion_time": timezone.localtime(p["placed_at"], tz).strftime("%Y-%m-%d %H:%M:%S%z"),
                "value": int(p["total"]),
                "currency": "VND",
                "order_id": p["number"],
            }
        )
    return rows


# --- Goals vs actual -----------------------------------------------------------------------


def goals_vs_actual(*, year: int, channel_id: int | None = None) -> list[dict]:
    """Per month of the year: goal and actual revenue, orders, new customers and AOV (all or one channel).

    A customer is new in the month of their first live order on the channel (or anywhere,
    for all channels together).
    """
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    tz = timezone.get_current_timezone()
    orders = Order.objects.filter(LIVE_ORDER, placed_at__gte=start, placed_at__lt=end)
    goals = ChannelGoal.objects.filter(month__year=year)
    firsts = Order.objects.filter(LIVE_ORDER, customer__isnull=False)
    if channel_id:
        orders = orders.filter(channel_id=channel_id)
        goals = goals.filter(channel_id=channel_id)
        firsts = firsts.filter(channel_id=channel_id)
    actual = {
        row["m"].month: row
        for row in orders.annotate(m=TruncMonth("placed_at", tzinfo=tz))
        .values("m")
        .annotate(revenue=Coalesce(Sum("total"), 0), orders=Count("pk"))
        .order_by()
    }
    planned = {
        row["month"].month: row
        for row in goals.values("month")
        .annotate(
            revenue=Coalesce(Sum("revenue_target"), 0),
            orders=Coalesce(Sum("orders_target"), 0),
            new_customers=Coalesce(Sum("new_customers_target"), 0),
        )
        .order_by()
    }
    # A customer's first live order (on this channel, or anywhere) is the one with none before it.
    earlier = firsts.filter(customer_id=OuterRef("customer_id")).filter(
        Q(placed_at__lt=OuterRef("placed_at")) | Q(placed_at=OuterRef("placed_at"), pk__lt=OuterRef("pk"))
    )
    new_by_month: dict[int, int] = defaultdict(int)
    for month, n in (
        firsts.filter(placed_at__gte=start, placed_at__lt=end)
        .filter(~Exists(earlier))
        .annotate(m=TruncMonth("placed_at", tzinfo=tz))
        .values("m")
        .annotate(n=Count("customer_id", distinct=True))
        .values_list("m", "n")
        .order_by()
    ):
        new_by_month[month.month] += n
    rows = []
    previous_target = None
    for month in range(1, 13):
        got = actual.get(month, {})
        goal = planned.get(month)
        revenue = int(got.get("revenue", 0))
        count = int(got.get("orders", 0))
        target = int(goal["revenue"]) if goal else None
        rows.append(
            {
                "month": dt.date(year, month, 1),
                "revenue_target": target,
                "revenue": revenue,
                "revenue_percent": _rate(revenue, target or 0),
                "orders_target": int(goal["orders"]) if goal else None,
                "orders": count,
                "new_customers_target": int(goal["new_customers"]) if goal else None,
                "new_customers": new_by_month.get(month, 0),
                "aov_target": _per(target or 0, int(goal["orders"]) if goal else 0),
                "aov": _per(revenue, count),
                # The plan should rise month by month (seed 000): flag a month whose target drops.
                "target_rises": None if target is None or previous_target is None else target >= previous_target,
            }
        )
        if target is not None:
            previous_target = target
    return rows


def channel_choices() -> list[SalesChannel]:
    return list(SalesChannel.objects.order_by("code"))


# --- Store metrics -------------------------------------------------------------------------


def store_metrics(*, date_range: DateRange) -> list[dict]:
    """Per store over the range: visits, distinct visitors, visits per visitor, purchases,
    visitors who bought, visit-to-purchase rate, revenue."""
    start, end = date_range.start_at, date_range.end_at
    visits = {
        row["store_id"]: row
        for row in CheckIn.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .values("store_id")
        .annotate(visits=Count("pk"), visitors=Count("customer_id", distinct=True))
        .order_by()
    }
    sales = {
        row["store_id"]: row
        for row in store_purchases()
        .filter(placed_at__gte=start, placed_at__lt=end)
        .values("store_id")
        .annotate(purchases=Count("pk"), revenue=Coalesce(Sum("total"), 0))
        .order_by()
    }
    # Visitors who bought in the same store after a visit, within the range.
    bought_after = store_purchases().filter(
        customer_id=OuterRef("customer_id"),
        store_id=OuterRef("store_id"),
        placed_at__gte=OuterRef("occurred_at"),
        placed_at__lt=end,
    )
    converted = {
        row["store_id"]: row["n"]
        for row in CheckIn.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .filter(Exists(bought_after))
        .values("store_id")
        .annotate(n=Count("customer_id", distinct=True))
        .order_by()
    }
    rows = []
    for store in Store.objects.filter(is_warehouse=False).order_by("code"):
        v = visits.get(store.pk, {})
        s = sales.get(store.pk, {})
        n_visits, visitors = v.get("visits", 0), v.get("visitors", 0)
        buyers = converted.get(store.pk, 0)
        rows.append(
            {
                "store": store,
                "visits": n_visits,
                "visitors": visitors,
                "visits_per_visitor": round(n_visits / visitors, 2) if visitors else None,
                "visitors_who_bought": buyers,
                "visit_to_purchase": _rate(buyers, visitors),
                "purchases": s.get("purchases", 0),
                "revenue": int(s.get("revenue", 0)),
            }
        )
    return rows


# --- Segment sizes over time ---------------------------------------------------------------


def customer_count() -> int:
    return Customer.objects.filter(merged_into__isnull=True).count()


# --- Segments ------------------------------------------------------------------------------


def segment_list() -> list[dict]:
    """Every segment with its current size and the joins/leaves of the last 7 days (3 queries)."""
    from customers.models import Segment, SegmentMembership

    week_ago = timezone.now() - dt.timedelta(days=7)
    segments = list(Segment.objects.order_by("kind", "name"))
    stats = {
        row["segment_id"]: row
        for row in SegmentMembership.objects.values("segment_id")
        .annotate(
            size=Count("pk", filter=Q(left_at__isnull=True)),
            joined_week=Count("pk", filter=Q(joined_at__gte=week_ago)),
            left_week=Count("pk", filter=Q(left_at__gte=week_ago)),
        )
        .order_by()
    }
    return [
        {
            "segment": s,
            "size": stats.get(s.pk, {}).get("size", 0),
            "joined_week": stats.get(s.pk, {}).get("joined_week", 0),
            "left_week": stats.get(s.pk, {}).get("left_week", 0),
        }
        for s in segments
    ]


def segment_get(segment_id: int):
    from customers.models import Segment

    return Segment.objects.filter(pk=segment_id).first()


def segment_sizes_over_time(*, date_range: DateRange, segment_ids: list[int]) -> dict[int, list[int]]:
    """Size of each segment at the end of every day of the range, from the membership history.

    Three grouped queries whatever the range or the number of members: the size before the
    range, then the joins and the leaves per local day; the running sum is over days, not
    customers.
    """
    from customers.models import SegmentMembership

    tz = timezone.get_current_timezone()
    start, end = date_range.start_at, date_range.end_at
    base = SegmentMembership.objects.filter(segment_id__in=segment_ids)
    size = defaultdict(int)
    for row in (
        base.filter(joined_at__lt=start)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=start))
        .values("segment_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        size[row["segment_id"]] = row["n"]
    delta: dict[tuple[int, dt.date], int] = defaultdict(int)
    for row in (
        base.filter(joined_at__gte=start, joined_at__lt=end)
        .annotate(day=TruncDate("joined_at", tzinfo=tz))
        .values("segment_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        delta[(row["segment_id"], row["day"])] += row["n"]
    for row in (
        base.filter(left_at__gte=start, left_at__lt=end)
        .annotate(day=TruncDate("left_at", tzinfo=tz))
        .values("segment_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        delta[(row["segment_id"], row["day"])] -= row["n"]
    out: dict[int, list[int]] = {}
    for sid in segment_ids:
        running, series = size[sid], []
        for day in date_range.dates():
            running += delta.get((sid, day), 0)
            series.append(running)
        out[sid] = series
    return out


def segment_recent_changes(*, segment, limit: int = 20) -> list[dict]:
    """The latest joins and leaves of a segment (one query each), newest first."""
    from customers.models import SegmentMembership

    qs = SegmentMembership.objects.filter(segment=segment).select_related("customer")
    joins = [
        {"customer": m.customer, "at": m.joined_at, "joined": True} for m in qs.order_by("-joined_at", "-pk")[:limit]
    ]
    leaves = [
        {"customer": m.customer, "at": m.left_at, "joined": False}
        for m in qs.filter(left_at__isnull=False).order_by("-left_at", "-pk")[:limit]
    ]
    return sorted(joins + leaves, key=lambda e: e["at"], reverse=True)[:limit]


def segment_consented_contacts(*, segment, channel: str):
    """Yields (customer, address) for current members who gave MARKETING consent on `channel`.

    Candidates are narrowed in SQL (a current granted marketing consent, a live contact point);
    each is then confirmed with customers' own `customer_can_contact`, so this export never
    disagrees with the sending path. Chunks of 500 keep memory flat on big segments.
    """
    from customers.models import ConsentState
    from customers.selectors import segment_members
    from customers.services import customer_can_contact

    kind = ContactKind.EMAIL if channel == "email" else ContactKind.PHONE
    members = (
        segment_members(segment)
        .filter(merged_into__isnull=True, erased_at__isnull=True)
        .filter(
            pk__in=ConsentState.objects.filter(channel=channel, purpose="marketing", granted=True).values("customer_id")
        )
        .order_by("pk")
    )
    last = 0
    while True:
        chunk = list(members.filter(pk__gt=last)[:500])
        if not chunk:
            return
        addresses: dict[int, str] = {}
        for cp in (
            ContactPoint.objects.filter(customer_id__in=[c.pk for c in chunk], kind=kind, is_blocked=False)
            .order_by("customer_id", "-is_primary", "-created_at", "-pk")
            .values("customer_id", "value")
        ):
            addresses.setdefault(cp["customer_id"], cp["value"])
        for customer in chunk:
            address = addresses.get(customer.pk)
            if address and customer_can_contact(customer, channel, "marketing"):
                yield customer, address
        last = chunk[-1].pk


def customer_scores(*, customer_ids: list[int]) -> dict[int, CustomerScore]:
    return {s.customer_id: s for s in CustomerScore.objects.filter(customer_id__in=customer_ids)}


def rfm_distribution() -> list[dict]:
    """How many customers hold each R, F and M score (one grouped query per letter)."""
    rows = []
    for letter, column in (("R", "recency_score"), ("F", "frequency_score"), ("M", "monetary_score")):
        counts = dict(CustomerScore.objects.values_list(column).annotate(n=Count("pk")).order_by())
        rows.append({"letter": letter, "counts": [counts.get(score, 0) for score in range(1, 6)]})
    return rows


def message_campaigns_for_segment(*, segment, limit: int = 10) -> list[SegmentMessageCampaign]:
    return list(SegmentMessageCampaign.objects.filter(segment=segment).order_by("-created_at")[:limit])


def voucher_batches_for_segment(*, segment, limit: int = 10) -> list:
    from promotions.models import VoucherBatch

    return list(VoucherBatch.objects.filter(segment_code=segment.code).order_by("-created_at")[:limit])


def segment_member_page(*, segment, page: int = 1, page_size: int = 25):
    """A page of current members with their scores, best leads first (2 queries + count)."""
    from django.core.paginator import Paginator
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce as _Coalesce

    from customers.selectors import segment_members

    score = CustomerScore.objects.filter(customer_id=OuterRef("pk"))
    members = segment_members(segment).annotate(
        lead=_Coalesce(Subquery(score.values("lead_score")[:1]), 0, output_field=IntegerField()),
        r=_Coalesce(Subquery(score.values("recency_score")[:1]), 0, output_field=IntegerField()),
        f=_Coalesce(Subquery(score.values("frequency_score")[:1]), 0, output_field=IntegerField()),
        m=_Coalesce(Subquery(score.values("monetary_score")[:1]), 0, output_field=IntegerField()),
    )
    members = members.order_by("-lead", "-lifetime_value", "pk")
    return Paginator(members, page_size).get_page(page)
