"""Demo data for reports (runs last in seed_demo): the online side of the O2O chain, a default
budget plan and channel goals when the lower apps did not seed them, then a first recompute
of every segment and score. Idempotent (activities carry a demo reference); fast on SQLite."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from channels.models import ChannelGoal, CheckIn, Order, SalesChannel
from customers import services as customer_services
from promotions.models import BudgetPlan, Campaign

from . import services


def seed(out) -> None:
    rng = random.Random(2026)
    today = timezone.localdate()
    _budget_plan(today, out)
    _goals(today, out)
    _online_touches(rng, out)
    started = timezone.now()
    counts = services.segments_recompute()
    joined = sum(j for j, _left in counts.values())
    out(f"  {len(counts)} phân khúc, {joined} lượt vào ({(timezone.now() - started).total_seconds():.1f}s)")


def _budget_plan(today: dt.date, out) -> None:
    if BudgetPlan.objects.exists():
        return
    from promotions import services as promotion_services

    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    promotion_services.budget_plan_create(
        name=f"Ngân sách tháng {start:%m/%Y}", starts_on=start, ends_on=end, total_budget=200_000_000
    )
    out("  kế hoạch ngân sách mặc định 40/30/15/10/5")


def _goals(today: dt.date, out) -> None:
    if ChannelGoal.objects.filter(month__year=today.year).exists():
        return
    from channels import services as channel_services

    for channel in SalesChannel.objects.filter(is_active=True)[:4]:
        channel_services.goals_set_for_year(
            channel=channel, year=today.year, revenue=50_000_000, orders=100, new_customers=30, monthly_rise_percent=5
        )
    out("  mục tiêu kênh theo tháng (tăng 5%/tháng)")


def _online_touches(rng: random.Random, out) -> None:
    """An ad click (and sometimes a lead) a few days before some store visits and store
    purchases, so the O2O chain and the offline-conversions export have something to show."""
    campaigns = list(Campaign.objects.order_by("pk")[:6])
    if not campaigns:
        return
    made = 0
    visits = list(CheckIn.objects.select_related("customer").order_by("pk")[:40])
    sales = list(Order.objects.filter(store__isnull=False, customer__isnull=False).select_related("customer")[:30])
    events = [(v.customer, v.occurred_at, f"checkin-{v.pk}") for v in visits]
    events += [(o.customer, o.placed_at, f"order-{o.pk}") for o in sales]
    with transaction.atomic():
        for i, (customer, when, ref) in enumerate(events):
            if customer is None or customer.merged_into_id or i % 4 == 3:
                continue  # some visits stay unattributed, as in life
            campaign = rng.choice(campaigns)
            click_at = when - dt.timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 20))
            customer_services.record_activity(
                customer=customer,
                kind="ad_click",
                occurred_at=click_at,
                channel=campaign.utm_source or "facebook",
                summary=f"Nhấp quảng cáo {campaign.name}",
                ref_type="demo-click",
                ref_id=ref,
                campaign_id=campaign.pk,
                utm={
                    "utm_source": campaign.utm_source,
                    "utm_medium": campaign.utm_medium,
                    "utm_campaign": campaign.utm_campaign,
                },
                data={"gclid": f"demo-{ref}"},
            )
            if i % 2 == 0:
                customer_services.record_activity(
                    customer=customer,
                    kind="lead",
                    occurred_at=click_at + dt.timedelta(minutes=15),
                    summary="Để lại số điện thoại trên trang khuyến mãi",
                    ref_type="demo-lead",
                    ref_id=ref,
                    campaign_id=campaign.pk,
                )
            made += 1
    out(f"  {made} lượt nhấp quảng cáo trước khi ghé/mua tại cửa hàng")
