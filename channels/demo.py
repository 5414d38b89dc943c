"""Demo data for channels: stores in Hà Nội and TP.HCM, every channel kind, ~300 products with
SKUs and stock, listings on each online channel, orders across channels for demo customers,
store sales, check-ins and this year's channel goals. Idempotent; fast on SQLite (bulk writes
where the rules allow it, services where they matter)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from o2o_site.api import DomainError
from o2o_site.demo import demo_user
from o2o_site.roles import Role

from . import services
from .models import SKU, CheckIn, Listing, Order, Product, SalesChannel, Stock, StockMovement, Store

STORES = [
    ("hn-hoankiem", "O2O Hoàn Kiếm", "25 Hàng Bài", "Hà Nội", "Hoàn Kiếm", "Võ Thành Tâm"),
    ("hn-caugiay", "O2O Cầu Giấy", "241 Xuân Thủy", "Hà Nội", "Cầu Giấy", "Đỗ Minh Châu"),
    ("hcm-q1", "O2O Quận 1", "72 Lê Thánh Tôn", "TP. Hồ Chí Minh", "Quận 1", "Phan Thị Thu"),
    ("hcm-q7", "O2O Quận 7", "101 Tôn Dật Tiên", "TP. Hồ Chí Minh", "Quận 7", "Huỳnh Gia Bảo"),
    ("hcm-thuduc", "O2O Thủ Đức", "216 Võ Văn Ngân", "TP. Hồ Chí Minh", "Thủ Đức", "Lý Quốc Khánh"),
]
WAREHOUSE = ("kho-bacninh", "Kho tổng Bắc Ninh", "KCN Tiên Sơn", "Bắc Ninh", "Tiên Du")

CHANNELS = [
    ("pos", "Bán tại cửa hàng", SalesChannel.Kind.STORE, False),
    ("website", "Website", SalesChannel.Kind.WEBSITE, True),
    ("app", "Ứng dụng di động", SalesChannel.Kind.APP, True),
    ("facebook", "Facebook Shop", SalesChannel.Kind.FACEBOOK, True),
    ("zalo", "Zalo OA", SalesChannel.Kind.ZALO, True),
    ("instagram", "Instagram Shopping", SalesChannel.Kind.INSTAGRAM, True),
    ("tiktok", "TikTok", SalesChannel.Kind.TIKTOK, True),
    ("shopee", "Shopee", SalesChannel.Kind.SHOPEE, True),
    ("lazada", "Lazada", SalesChannel.Kind.LAZADA, True),
    ("tiki", "Tiki", SalesChannel.Kind.TIKI, True),
    ("tiktok-shop", "TikTok Shop", SalesChannel.Kind.TIKTOK_SHOP, True),
    ("affiliate", "Tiếp thị liên kết", SalesChannel.Kind.AFFILIATE, True),
]
# Marketplaces charge fees: their price is base + x%, rounded up to 1,000 ₫.
MARKUP = {"shopee": 8, "lazada": 8, "tiki": 6, "tiktok-shop": 7}
LISTED = ["website", "app", "facebook", "instagram", "shopee", "lazada", "tiki", "tiktok-shop"]

CATEGORIES = {
    "Điện thoại": (["Điện thoại", "Smartphone"], ["Samsung", "Xiaomi", "Oppo", "Vivo"], (3_990_000, 24_990_000)),
    "Phụ kiện": (
        ["Sạc dự phòng", "Tai nghe", "Ốp lưng", "Cáp sạc", "Củ sạc nhanh"],
        ["Anker", "Baseus", "Ugreen"],
        (90_000, 1_490_000),
    ),
    "Thời trang": (
        ["Áo thun", "Áo sơ mi", "Quần jean", "Váy liền", "Áo khoác"],
        ["Canifa", "Routine", "Yody"],
        (149_000, 899_000),
    ),
    "Mỹ phẩm": (
        ["Sữa rửa mặt", "Kem chống nắng", "Son môi", "Nước tẩy trang"],
        ["Cocoon", "La Roche-Posay", "Innisfree"],
        (99_000, 690_000),
    ),
    "Gia dụng": (
        ["Nồi chiên không dầu", "Máy xay sinh tố", "Bình giữ nhiệt", "Ấm siêu tốc"],
        ["Sunhouse", "Lock&Lock", "Philips"],
        (190_000, 2_990_000),
    ),
}
COLORS = ["Đen", "Trắng", "Xanh", "Đỏ", "Be"]


def seed(out) -> None:
    # One transaction: one commit instead of hundreds (SQLite fsyncs every commit).
    with transaction.atomic():
        _seed(out)


def _seed(out) -> None:
    rng = random.Random(4)  # same demo every run
    stores, warehouse = _stores(out)
    channels = _channels(stores, warehouse)
    if not Product.objects.exists():
        _catalogue(rng, stores + [warehouse])
        out(f"  {Product.objects.count()} sản phẩm, {SKU.objects.count()} SKU")
    if not Listing.objects.exists():
        skus = SKU.objects.all()
        with services.push_deferred():
            for code in LISTED:
                services.listings_create_for_channel(
                    channel=channels[code], skus=skus, markup_percent=MARKUP.get(code, 0)
                )
        for code in LISTED:
            services.listings_push_channel(channel_id=channels[code].pk)
        out(f"  {Listing.objects.count()} tin đăng trên {len(LISTED)} kênh")
    if not Order.objects.exists():
        with services.push_deferred():
            _orders(rng, channels, stores, out)
        for channel_id in services.sync_due_channels():
            services.listings_push_channel(channel_id=channel_id)
    # No channel has credentials in the demo: its listings say "not configured", never "in sync".
    services.listings_sync_states_reconcile()
    if not CheckIn.objects.exists():
        _checkins(rng, stores)
    year = timezone.localdate().year
    for code, revenue, orders, new in (
        ("shopee", 400_000_000, 900, 300),
        ("website", 150_000_000, 300, 120),
        ("pos", 900_000_000, 2500, 400),
        ("lazada", 200_000_000, 450, 150),
    ):
        services.goals_set_for_year(
            channel=channels[code], year=year, revenue=revenue, orders=orders, new_customers=new, monthly_rise_percent=5
        )


def _stores(out):
    stores = []
    for code, name, address, province, district, cashier_name in STORES:
        store, _ = Store.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "address": address,
                "province": province,
                "district": district,
                "opening_hours": "8:30–22:00",
            },
        )
        stores.append(store)
        store.staff.add(demo_user(f"cashier-{code}", cashier_name, Role.CASHIER, is_staff=False, note=store.name))
    warehouse, _ = Store.objects.get_or_create(
        code=WAREHOUSE[0],
        defaults={
            "name": WAREHOUSE[1],
            "address": WAREHOUSE[2],
            "province": WAREHOUSE[3],
            "district": WAREHOUSE[4],
            "is_warehouse": True,
        },
    )
    stores[0].staff.add(demo_user("cashier", "Võ Thành Tâm", Role.CASHIER, is_staff=False, note=stores[0].name))
    out(f"  {len(stores)} cửa hàng + {warehouse.name}")
    return stores, warehouse


def _channels(stores, warehouse):
    channels = {}
    for code, name, kind, online in CHANNELS:
        channels[code], created = SalesChannel.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "is_online": online}
        )
        if created and online:
            # Online channels ship from the warehouse; the website and app also from the stores.
            extra = stores if code in ("website", "app") else []
            services.channel_locations_set(channel=channels[code], locations=[warehouse, *extra])
    Store.objects.filter(pk__in=[s.pk for s in stores], sales_channel__isnull=True).update(
        sales_channel=channels["pos"]
    )
    for store in stores:
        store.refresh_from_db(fields=["sales_channel"])
    return channels


@transaction.atomic
def _catalogue(rng, locations):
    today = timezone.localdate()
    products = []
    for i in range(300):
        category = rng.choice(list(CATEGORIES))
        kinds, brands, (low, high) = CATEGORIES[category]
        kind, brand = rng.choice(kinds), rng.choice(brands)
        products.append(
            Product(
                name=f"{kind} {brand} {chr(65 + i % 26)}{i:03d}",
                description=f"{kind} chính hãng {brand}, bảo hành 12 tháng.",
                brand=brand,
                category=category,
                launch_date=today - dt.timedelta(days=rng.randint(0, 720)),
            )
        )
    products = Product.objects.bulk_create(products)
    skus = []
    for product in products:
        _, _, (low, high) = CATEGORIES[product.category]
        price = rng.randrange(low, high, 10_000) // 1000 * 1000
        for color in rng.sample(COLORS, rng.choice([1, 1, 2])):
            n = len(skus)
            skus.append(
                SKU(
                    product=product,
                    code=f"SP{product.pk:04d}-{n:04d}",
                    barcode=f"893{n:010d}",
                    options={"màu": color},
                    base_price=price,
                )
            )
    skus = SKU.objects.bulk_create(skus)
    stock, moves = [], []
    for sku in skus:
        for location in locations:
            qty = rng.randint(20, 120) if location.is_warehouse else rng.randint(0, 15)
            if qty:
                stock.append(Stock(sku=sku, location=location, on_hand=qty))
                moves.append(
                    StockMovement(
                        sku=sku,
                        location=location,
                        kind=StockMovement.Kind.RECEIPT,
                        on_hand_delta=qty,
                        note="Tồn đầu kỳ (demo)",
                    )
                )
    Stock.objects.bulk_create(stock, batch_size=2000)
    StockMovement.objects.bulk_create(moves, batch_size=2000)


def _demo_customers():
    from customers import selectors as customer_selectors
    from customers import services as customer_services

    customers = list(customer_selectors.customer_search_queryset().order_by("pk")[:60])
    if len(customers) < 10:
        for i, name in enumerate(
            [
                "Nguyễn Văn An",
                "Trần Thị Bình",
                "Lê Hoàng Cường",
                "Phạm Thu Dung",
                "Hoàng Minh Đức",
                "Vũ Ngọc Hà",
                "Đặng Quốc Huy",
                "Bùi Thị Lan",
                "Đỗ Văn Long",
                "Ngô Thị Mai",
            ]
        ):
            customers.append(
                customer_services.customer_resolve(full_name=name, phone=f"09120000{i:02d}", source="demo").customer
            )
    return customers


def _identifiers(customer):
    from customers import selectors as customer_selectors

    phone = customer_selectors.customer_primary_phone(customer)
    return {"phone": phone} if phone else {}


def _orders(rng, channels, stores, out):
    customers = _demo_customers()
    skus = list(
        SKU.objects.filter(stock__location__is_warehouse=True, stock__on_hand__gte=10).values_list(
            "code", "base_price"
        )[:250]
    )
    online = ["website", "app", "facebook", "zalo", "shopee", "shopee", "lazada", "tiki", "tiktok-shop"]
    now = timezone.now()
    made = 0
    for i in range(80):
        customer = rng.choice(customers)
        code, price = rng.choice(skus)
        qty = rng.choice([1, 1, 1, 2])
        channel = rng.choice(online)
        placed = now - dt.timedelta(days=rng.randint(0, 150), hours=rng.randint(0, 23))
        payload = {
            "external_id": f"{channel.upper()[:3]}{placed:%y%m%d}{i:04d}",
            "placed_at": placed.isoformat(),
            "customer": _identifiers(customer),
            "lines": [{"sku": code, "quantity": qty, "unit_price": price}],
        }
        try:
            order = services.order_ingest(channel_code=channels[channel].code, payload=payload).order
        except DomainError as exc:  # demo: a rare short SKU is simply skipped
            out(f"  (bỏ qua đơn demo: {exc})")
            continue
        made += 1
        for status in rng.choice(
            [
                [],
                ["confirmed"],
                ["confirmed", "packed", "shipped", "delivered"],
                ["cancelled"],
                ["confirmed", "packed", "shipped"],
            ]
        ):
            services.order_status_change(order=order, status=status)
    # Sales at the counters, some with only a total typed in.
    for i in range(25):
        store = stores[i % len(stores)]
        cashier = store.staff.first()
        local = list(
            Stock.objects.filter(location=store, on_hand__gte=2).values_list("sku__code", "sku__base_price")[:30]
        )
        lines = (
            [
                {"sku": c, "quantity": 1, "unit_price": p}
                for c, p in rng.sample(local, min(len(local), rng.randint(1, 2)))
            ]
            if local and i % 4
            else []
        )
        total = sum(ln["unit_price"] for ln in lines) or rng.randrange(100_000, 2_000_000, 1000)
        services.store_sale_create(
            store=store,
            cashier=cashier,
            customer=rng.choice(customers) if i % 3 else None,
            lines=lines,
            total=total,
            idempotency_key=f"demo-pos-{i}",
        )
    out(f"  {made} đơn online + 25 đơn tại quầy")


def _checkins(rng, stores):
    customers = _demo_customers()
    now = timezone.now()
    for i in range(40):
        services.checkin_record(
            store=stores[i % len(stores)],
            method=rng.choice(list(CheckIn.Method.values)),
            customer=rng.choice(customers),
            occurred_at=now - dt.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 10)),
            utm={"utm_source": "facebook", "utm_medium": "cpc", "utm_campaign": "o2o-demo"} if i % 3 == 0 else None,
        )
