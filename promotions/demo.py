"""Demo data for promotions: campaigns with UTM codes and spends, the budget plan by journey
stage, a lunchtime time-slot promotion, a threshold promotion, a bundle, trade-in, an upsell,
vouchers for demo customers (some only for one store), a shared code, and a cashier per store.

Idempotent: everything is found by a natural key (utm_campaign, promotion name, voucher
source) before it is created. Builds on the stores, SKUs and customers seeded before it.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from o2o_site.demo import demo_user
from o2o_site.roles import Role

from . import services
from .models import BudgetPlan, Campaign, Promotion, UpsellRule, Voucher

BUNDLE_NAME = "Mua 2 tặng 1 phụ kiện"
ACCESSORIES = "Phụ kiện"  # channels' demo category of chargers, cables, cases, earphones

CAMPAIGNS = [
    ("Ra mắt cửa hàng mới — Facebook", "facebook", "cpc", "fb-khai-truong", "awareness", 80_000_000),
    ("Google tìm kiếm điện thoại", "google", "cpc", "gg-dien-thoai", "acquisition", 60_000_000),
    ("Zalo OA: voucher đến cửa hàng", "zalo", "oa", "zalo-voucher-cua-hang", "conversion", 30_000_000),
    ("SMS khách cũ quay lại", "sms", "sms", "sms-khach-cu", "retention", 20_000_000),
    ("Bán thêm phụ kiện", "email", "newsletter", "email-phu-kien", "expansion", 10_000_000),
]


def _stores():
    from channels.models import Store

    return list(Store.objects.filter(is_active=True, is_warehouse=False).order_by("code"))


def _skus(limit: int = 6):
    from channels.models import SKU

    return list(SKU.objects.filter(is_active=True).select_related("product").order_by("-base_price", "pk")[:limit])


def _customers(limit: int = 12):
    from customers.models import Customer

    return list(Customer.objects.filter(merged_into__isnull=True).order_by("pk")[:limit])


def seed(out) -> None:
    today = timezone.localdate()
    now = timezone.now()
    month_start = today.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    stores = _stores()
    skus = _skus()
    customers = _customers()

    # Campaigns, each with a few spend entries this month.
    campaigns = {}
    for name, source, medium, utm, stage, budget in CAMPAIGNS:
        campaign = Campaign.objects.filter(utm_campaign=utm).first()
        if campaign is None:
            campaign = services.campaign_create(
                name=name,
                utm_source=source,
                utm_medium=medium,
                utm_campaign=utm,
                journey_stage=stage,
                budget=budget,
                starts_on=month_start,
                ends_on=month_end,
            )
            for week in range(3):
                services.campaign_spend_add(
                    campaign=campaign,
                    amount=budget // 5 + week * 1_000_000,
                    spent_on=month_start + dt.timedelta(days=7 * week),
                    note=f"Tuần {week + 1}",
                )
        campaigns[stage] = campaign

    if not BudgetPlan.objects.filter(starts_on=month_start).exists():
        services.budget_plan_create(
            name=f"Ngân sách marketing {month_start:%m/%Y}",
            starts_on=month_start,
            ends_on=month_end,
            total_budget=200_000_000,
        )

    period = {"valid_from": now - dt.timedelta(days=1), "valid_to": now + dt.timedelta(days=90)}
    wanted = [
        {
            "name": "Giờ vàng 12:00–13:00: giảm 10% cả hóa đơn",
            "kind": Promotion.Kind.PERCENT_BILL,
            "percent": 10,
            "max_discount": 300_000,
            "time_from": dt.time(12, 0),
            "time_to": dt.time(13, 0),
            "store_only": True,
            "priority": 10,
            "campaign": campaigns.get("conversion"),
        },
        {
            "name": "Mua từ 1.000.000 ₫ giảm 100.000 ₫",
            "kind": Promotion.Kind.THRESHOLD,
            "threshold": 1_000_000,
            "amount": 100_000,
            "priority": 20,
        },
    ]
    if skus:
        wanted.append(
            {
                "name": BUNDLE_NAME,
                "kind": Promotion.Kind.BUNDLE,
                "buy_quantity": 2,
                "free_quantity": 1,
                "priority": 5,
                # Accessories only: the cheapest of three accessories is free, never a phone.
                "categories": [ACCESSORIES],
                "combination": Promotion.Combination.EXCLUSIVE,
            }
        )
        wanted.append(
            {
                "name": "Thu cũ đổi mới: trợ giá 500.000 ₫",
                "kind": Promotion.Kind.TRADE_IN,
                "amount": 500_000,
                "priority": 30,
                "skus": skus[:1],
                "store_only": True,
            }
        )
    # Demos seeded before the bundle named its scope: give it the accessories category.
    for bundle in Promotion.objects.filter(name=BUNDLE_NAME, kind=Promotion.Kind.BUNDLE, categories=[]):
        services.promotion_update(promotion=bundle, skus=[], categories=[ACCESSORIES])
    existing = set(Promotion.objects.values_list("name", flat=True))
    for spec in wanted:
        if spec["name"] not in existing:
            services.promotion_create(**period, **spec)

    if len(skus) >= 2 and not UpsellRule.objects.exists():
        rule = UpsellRule.objects.create(
            name="Điện thoại → sạc dự phòng",
            suggested_sku=skus[-1],
            message=f"Mời khách mua thêm {skus[-1].product.name} đi kèm",
        )
        rule.trigger_skus.set(skus[:1])

    # A cashier per store (channels' demo may have bound them already: same usernames).
    for store in stores:
        user = demo_user(
            f"cashier-{store.code}", f"Thu ngân {store.name}", Role.CASHIER, is_staff=False, note=store.name
        )
        store.staff.add(user)

    # Vouchers for demo customers: personal, store-only; every third one only for the first store.
    if not Voucher.objects.filter(source="demo").exists():
        retention = campaigns.get("retention")
        for index, customer in enumerate(customers):
            services.voucher_issue(
                customer=customer,
                campaign=retention if index % 2 else campaigns.get("conversion"),
                discount_type="percent" if index % 2 else "fixed",
                discount_value=15 if index % 2 else 100_000,
                max_discount=200_000 if index % 2 else None,
                min_basket=500_000,
                stores=stores[:1] if stores and index % 3 == 0 else (),
                valid_days=30,
                source="demo",
            )
        services.voucher_create(
            code="CHAOMUNG2026",
            discount_type="fixed",
            discount_value=50_000,
            min_basket=300_000,
            usage_limit=1000,
            per_customer_limit=1,
            campaign=campaigns.get("awareness"),
            valid_from=now - dt.timedelta(days=1),
            valid_to=now + dt.timedelta(days=60),
            source="demo",
        )
    out(
        f"  {Campaign.objects.count()} chiến dịch, {Promotion.objects.count()} khuyến mãi, "
        f"{Voucher.objects.count()} voucher, thu ngân cho {len(stores)} cửa hàng"
    )
