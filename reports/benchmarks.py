"""Reports' heavy paths, on data built in bulk once per run (sizes follow `--scale`):

- `reports.segments_full_recompute`: the nightly recompute of every built-in segment plus the
  RFM/lead-score upsert over `100,000 × scale` customers; reports seconds per 100k customers,
  for the first run (everything joins) and the second (idempotent: nothing changes).
- `reports.o2o_report_90d`: the O2O chain report over 90 days (`300,000 × scale` online
  touches, `30,000 × scale` check-ins and store purchases) with last-touch attribution.

    DATABASE_URL=postgres://… python manage.py bench reports. --scale 1
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.utils import timezone

from o2o_site.bench import measure, register, summarize

_STATE: dict = {}


def _customers(n: int, rng: random.Random, now: dt.datetime) -> list:
    """n customers, 60% buyers with consistent purchase figures and Purchase rows."""
    from customers.models import Customer, Purchase

    tag = f"bench-reports-{len(_STATE)}-{rng.random():.6f}"
    _STATE[tag] = True
    rows = []
    purchases_per = []
    for i in range(n):
        buys = rng.choice([0, 0, 0, 0, 1, 1, 2, 3, 5, 8])
        if buys:
            dates = sorted(now - dt.timedelta(days=rng.randint(1, 500), hours=rng.randint(0, 23)) for _ in range(buys))
            amounts = [rng.choice([99_000, 250_000, 590_000, 1_200_000, 2_500_000]) for _ in range(buys)]
        else:
            dates, amounts = [], []
        purchases_per.append(list(zip(dates, amounts, strict=True)))
        rows.append(
            Customer(
                full_name=f"Khách {i}",
                search_name=f"khach {i}",
                source=tag,
                order_count=buys,
                lifetime_value=sum(amounts),
                first_purchase_at=dates[0] if dates else None,
                last_purchase_at=dates[-1] if dates else None,
                points_balance=rng.choice([0, 0, 100, 600, 2000]),
                lifecycle="customer" if buys else "lead",
            )
        )
    Customer.objects.bulk_create(rows, batch_size=5000)
    ids = list(Customer.objects.filter(source=tag).order_by("pk").values_list("pk", flat=True))
    batch = []
    for cid, bought in zip(ids, purchases_per, strict=True):
        for k, (when, amount) in enumerate(bought):
            batch.append(
                Purchase(customer_id=cid, order_ref=f"B{cid}-{k}", amount=amount, channel="website", occurred_at=when)
            )
        if len(batch) >= 20_000:
            Purchase.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Purchase.objects.bulk_create(batch, batch_size=5000)
    return ids


def _activities(
    ids: list[int], rng: random.Random, now: dt.datetime, per_customer: float, campaigns: list[int]
) -> None:
    from customers.models import Activity

    kinds = ["product_view", "cart_add", "web_visit", "ad_click", "inquiry", "lead"]
    batch = []
    total = int(len(ids) * per_customer)
    for _ in range(total):
        kind = rng.choice(kinds)
        camp = rng.choice(campaigns) if campaigns and kind in ("ad_click", "web_visit", "lead") else None
        batch.append(
            Activity(
                customer_id=rng.choice(ids),
                kind=kind,
                occurred_at=now - dt.timedelta(days=rng.uniform(0, 95)),
                campaign_id=camp,
            )
        )
        if len(batch) >= 20_000:
            Activity.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Activity.objects.bulk_create(batch, batch_size=5000)


def _store_events(ids: list[int], rng: random.Random, now: dt.datetime, n: int) -> None:
    from channels.models import CheckIn, Order, SalesChannel, Store

    stores = []
    for i in range(10):
        channel, _ = SalesChannel.objects.get_or_create(
            code=f"bench-store-{i}", defaults={"name": f"Store {i}", "kind": "store", "is_online": False}
        )
        store, _ = Store.objects.get_or_create(
            code=f"bench-{i}", defaults={"name": f"Cửa hàng {i}", "sales_channel": channel}
        )
        stores.append((store, channel))
    checkins, orders = [], []
    run = len(_STATE)
    _STATE[f"store-events-{run}"] = True
    for k in range(n):
        store, channel = rng.choice(stores)
        cid = rng.choice(ids)
        when = now - dt.timedelta(days=rng.uniform(0, 90))
        checkins.append(CheckIn(customer_id=cid, store=store, method="qr", occurred_at=when))
        if rng.random() < 0.5:
            orders.append(
                Order(
                    number=f"B{run}-{k:08d}",
                    channel=channel,
                    store=store,
                    customer_id=cid,
                    status="delivered",
                    fulfilment="in_store",
                    total=rng.choice([250_000, 590_000, 1_200_000]),
                    discount_total=rng.choice([0, 0, 50_000]),
                    placed_at=when + dt.timedelta(minutes=30),
                )
            )
    CheckIn.objects.bulk_create(checkins, batch_size=5000)
    Order.objects.bulk_create(orders, batch_size=5000)


def _analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give a live database
    (without them PostgreSQL may plan the member-set joins as nested loops)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _campaigns(count: int = 20) -> list[int]:
    from promotions.models import Campaign

    today = timezone.localdate()
    out = []
    for i in range(count):
        campaign, _ = Campaign.objects.get_or_create(
            utm_campaign=f"bench-{i}",
            defaults={
                "name": f"Bench {i}",
                "journey_stage": "acquisition",
                "starts_on": today - dt.timedelta(days=120),
                "ends_on": today,
            },
        )
        out.append(campaign.pk)
    return out


@register("reports.segments_full_recompute")
def segments_full_recompute(ctx) -> dict:
    from reports import services

    n = ctx.n(100_000, minimum=1000)
    now = timezone.now()
    rng = random.Random(11)
    t0 = time.perf_counter()
    ids = _customers(n, rng, now)
    campaigns = _campaigns()
    _activities(ids, rng, now, per_customer=1.0, campaigns=campaigns)
    _store_events(ids, rng, now, n // 5)
    _analyze()
    build_s = time.perf_counter() - t0

    timings = []
    for _ in range(2):
        started = time.perf_counter()
        counts = services.segments_recompute(at=now)
        timings.append(time.perf_counter() - started)
    from customers.models import SegmentMembership

    members = SegmentMembership.objects.filter(left_at__isnull=True).count()
    from customers.models import Customer

    # Other benchmarks of the run may have added customers: the recompute covers them all.
    total = Customer.objects.count()
    # Where the steady-state time goes: each segment alone, then the score upsert.
    per_segment = {}
    for code in counts:
        started = time.perf_counter()
        services.segments_recompute(at=now, codes=[code])
        per_segment[code] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    services.scores_recompute(at=now)
    per_segment["(scores)"] = round(time.perf_counter() - started, 2)
    return summarize(
        timings,
        sum(timings),
        customers=total,
        data_build_s=round(build_s, 1),
        first_run_s=round(timings[0], 2),
        second_run_s=round(timings[1], 2),
        seconds_per_100k_customers=round(timings[0] * 100_000 / total, 2),
        steady_seconds_per_100k_customers=round(timings[1] * 100_000 / total, 2),
        second_run_changes=sum(j + left for j, left in counts.values()),
        current_memberships=members,
        segments=len(counts),
        steady_state_s_by_segment=per_segment,
    )


@register("reports.o2o_report_90d")
def o2o_report_90d(ctx) -> dict:
    from reports import selectors
    from reports.forms import DateRange

    now = timezone.now()
    if "o2o_ids" not in _STATE:
        rng = random.Random(13)
        ids = _customers(ctx.n(50_000, minimum=500), rng, now)
        campaigns = _campaigns()
        _activities(ids, rng, now, per_customer=6.0, campaigns=campaigns)
        _store_events(ids, rng, now, ctx.n(30_000, minimum=300))
        _analyze()
        _STATE["o2o_ids"] = ids
    today = timezone.localdate()
    date_range = DateRange(start=today - dt.timedelta(days=89), end=today)
    result = measure(
        lambda _i: selectors.o2o_report(date_range=date_range), iterations=min(ctx.iterations, 5), warmup=1
    )
    report = selectors.o2o_report(date_range=date_range)
    result.update(
        days=90,
        customers=len(_STATE["o2o_ids"]),
        touches_per_customer=6,
        clicks=report.totals["clicks"],
        visits=report.totals["visits"],
        purchases=report.totals["purchases"],
    )
    return result
