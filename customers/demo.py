"""Demo customers: ~2,000 Vietnamese profiles, phones written every which way, a few duplicates,
consents and points. Idempotent (skips when the demo base is already there) and fast on SQLite:
the bulk of the profiles is written with bulk_create in the shape the services write, the
interesting cases (duplicates, purchases, blocklist) go through the services themselves.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from o2o_site.phones import OLD_MOBILE_PREFIXES, normalize_phone
from o2o_site.text import fold

from . import services
from .models import ConsentEvent, ConsentState, ConsentText, ContactPoint, Customer, Lifecycle

DEMO_SOURCE = "demo"
TOTAL = 2000

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
WEIGHTS = [38, 11, 9, 7, 5, 5, 4, 4, 4, 3, 3, 2, 2, 1, 1, 1]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Gia"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim", "Bảo", "Hồng"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hiếu",
    "Huy",
    "Khang",
    "Long",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
]
GIVEN_F = [
    "Anh",
    "Châu",
    "Diệp",
    "Giang",
    "Hà",
    "Hằng",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phương",
    "Quyên",
    "Thảo",
    "Trang",
    "Vy",
    "Yến",
]
DISTRICTS = [
    ("Quận 1", "TP. Hồ Chí Minh"),
    ("Quận 3", "TP. Hồ Chí Minh"),
    ("Quận 7", "TP. Hồ Chí Minh"),
    ("Bình Thạnh", "TP. Hồ Chí Minh"),
    ("Thủ Đức", "TP. Hồ Chí Minh"),
    ("Ba Đình", "Hà Nội"),
    ("Cầu Giấy", "Hà Nội"),
    ("Hoàn Kiếm", "Hà Nội"),
    ("Hải Châu", "Đà Nẵng"),
    ("Ninh Kiều", "Cần Thơ"),
]
MOBILE_PREFIXES = [
    "90",
    "93",
    "89",
    "91",
    "94",
    "88",
    "96",
    "97",
    "98",
    "86",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "38",
    "39",
    "70",
    "76",
    "77",
    "78",
    "79",
    "81",
    "82",
    "83",
    "84",
    "85",
    "56",
    "58",
    "59",
]
SOURCES = ["shopee", "lazada", "tiki", "tiktok", "website", "store", "zalo", "facebook"]
STORES = ["HCM-Q1", "HCM-Q7", "HN-CG", "DN-HC"]
_OLD_BY_NEW = {new: old for old, new in OLD_MOBILE_PREFIXES.items()}


def _written(nsn: str, rng: random.Random) -> str:
    """The same number as a person might type it."""
    style = rng.randint(0, 6)
    if style == 0:
        return f"0{nsn}"
    if style == 1:
        return f"0{nsn[:3]} {nsn[3:6]} {nsn[6:]}"
    if style == 2:
        return f"+84 {nsn[:2]} {nsn[2:5]} {nsn[5:]}"
    if style == 3:
        return f"84{nsn}"
    if style == 4:
        return f"0{nsn[:3]}.{nsn[3:6]}.{nsn[6:]}"
    if style == 5 and nsn[:2] in _OLD_BY_NEW:
        return f"0{_OLD_BY_NEW[nsn[:2]]}{nsn[2:]}"  # the pre-2018 11-digit form
    return f"(+84) {nsn[:2]}-{nsn[2:5]}-{nsn[5:]}"


def _name(rng: random.Random) -> str:
    female = rng.random() < 0.55
    surname = rng.choices(SURNAMES, WEIGHTS)[0]
    middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
    return f"{surname} {middle} {rng.choice(GIVEN_F if female else GIVEN_M)}"


def seed(out) -> None:
    if Customer.objects.filter(source=DEMO_SOURCE).count() >= TOTAL:
        out("  khách hàng: đã có sẵn")
        return
    rng = random.Random(20260101)
    now = timezone.now()
    marketing, _ = ConsentText.objects.get_or_create(
        purpose="marketing",
        version="2026-01",
        defaults={"body": "Tôi đồng ý nhận thông tin khuyến mãi qua kênh đã chọn. Tôi có thể rút lại bất kỳ lúc nào."},
    )
    ConsentText.objects.get_or_create(
        purpose="service",
        version="2026-01",
        defaults={"body": "Tôi đồng ý được liên hệ về đơn hàng và yêu cầu hỗ trợ của mình."},
    )
    with transaction.atomic():
        taken = set(ContactPoint.objects.filter(kind="phone").values_list("value", flat=True))
        rows = []
        while len(rows) < TOTAL:
            nsn = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10_000_000):07d}"
            phone = normalize_phone(_written(nsn, rng))
            if not phone.ok or phone.e164 in taken:
                continue
            taken.add(phone.e164)
            name = _name(rng)
            district, city = rng.choice(DISTRICTS)
            birthday = (
                date(rng.randint(1965, 2005), rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.6 else None
            )
            rows.append((name, phone, district, city, birthday))
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    full_name=name,
                    search_name=fold(name),
                    district=district,
                    search_district=fold(district),
                    city=city,
                    birthday=birthday,
                    source=DEMO_SOURCE,
                    lifecycle=Lifecycle.LEAD,
                    preferred_store_code=rng.choice(STORES) if rng.random() < 0.4 else "",
                )
                for name, _phone, district, city, birthday in rows
            ]
        )
        if customers and customers[0].pk is None:  # backends that do not return ids
            customers = list(Customer.objects.filter(source=DEMO_SOURCE).order_by("pk"))
        points = []
        for customer, (name, phone, *_rest) in zip(customers, rows, strict=True):
            points.append(
                ContactPoint(
                    customer=customer,
                    kind="phone",
                    value=phone.e164,
                    raw=phone.raw,
                    search_value=phone.e164.lstrip("+")[::-1],
                    unlisted=not phone.listed,
                    is_primary=True,
                    source=DEMO_SOURCE,
                )
            )
            if rng.random() < 0.5:
                email = f"{fold(name).replace(' ', '.')}{customer.pk}@example.vn"
                points.append(
                    ContactPoint(
                        customer=customer, kind="email", value=email, raw=email, search_value=email, source=DEMO_SOURCE
                    )
                )
            if rng.random() < 0.3:
                kind = rng.choice(["zalo", "shopee", "lazada", "tiki", "tiktok", "facebook"])
                value = f"{kind}-{customer.pk:06d}"
                points.append(
                    ContactPoint(
                        customer=customer, kind=kind, value=value, raw=value, search_value=value, source=DEMO_SOURCE
                    )
                )
        ContactPoint.objects.bulk_create(points, ignore_conflicts=True)
        events = []
        for customer in customers:
            if rng.random() < 0.45:
                for channel in rng.sample(["sms", "zns", "email"], rng.randint(1, 2)):
                    events.append(
                        ConsentEvent(
                            customer=customer,
                            channel=channel,
                            purpose="marketing",
                            granted=True,
                            source=rng.choice(["store", "website", "zalo"]),
                            text=marketing,
                            evidence="demo: ô đồng ý trên phiếu đăng ký",
                            occurred_at=now - timedelta(days=rng.randint(1, 300)),
                        )
                    )
        events = ConsentEvent.objects.bulk_create(events)
        if events and events[0].pk is None:
            events = list(ConsentEvent.objects.filter(customer__source=DEMO_SOURCE).order_by("pk"))
        ConsentState.objects.bulk_create(
            [
                ConsentState(
                    customer_id=e.customer_id,
                    channel=e.channel,
                    purpose=e.purpose,
                    granted=True,
                    updated_at=e.occurred_at,
                    last_event=e,
                )
                for e in events
            ],
            ignore_conflicts=True,
        )
    # One transaction for the service-driven part: SQLite commits (fsync) per call were most of the time.
    with transaction.atomic():
        # Purchases (and their points) through the service, for a sixth of the base.
        for customer in rng.sample(customers, k=len(customers) // 6):
            for n in range(rng.choice([1, 1, 1, 2, 3])):
                services.record_purchase(
                    customer=customer,
                    amount=rng.choice([149_000, 299_000, 450_000, 890_000, 1_250_000, 3_490_000]),
                    channel=rng.choice(SOURCES),
                    occurred_at=now - timedelta(days=rng.randint(1, 500), hours=rng.randint(0, 23)),
                    order_ref=f"DEMO-{customer.pk}-{n}",
                    store_code=rng.choice(STORES),
                )
        # Duplicates to merge: the same person seen again with another identifier.
        for customer in rng.sample(customers, k=40):
            twin = services.customer_resolve(
                full_name=fold(customer.full_name).title(),
                email=f"trung.{customer.pk}@example.vn",
                source=DEMO_SOURCE,
            ).customer
            services.customer_update(customer=twin, birthday=customer.birthday, district=customer.district)
        services.blocklist_add(kind="phone", value="028 3823 4567", reason="Tổng đài cửa hàng")
        services.blocklist_add(kind="email", value="cuahang@example.vn", reason="Máy tính bảng dùng chung tại quầy")
    found = services.duplicates_scan()
    out(f"  {Customer.objects.filter(source=DEMO_SOURCE).count()} hồ sơ khách hàng, {found} cặp nghi trùng cần xem")
