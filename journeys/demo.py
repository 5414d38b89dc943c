"""Demo: the three journeys of seed 003, consultants for two stores, scripts, and a few leads.

Idempotent: journeys are found by name, consultants by username.
"""

from __future__ import annotations

from django.db import transaction

from channels.models import Store
from customers.models import Customer, Segment
from o2o_site.demo import demo_user
from o2o_site.roles import Role

from . import services
from .models import Journey, Lead, LeadScript

CONSULTANTS = [
    ("consultant-hcm-q1", "Đặng Mỹ Linh", "hcm-q1"),
    ("consultant-hcm-q1b", "Hồ Quang Vinh", "hcm-q1"),
    ("consultant-hn-hoankiem", "Bùi Thanh Hương", "hn-hoankiem"),
]

SCRIPTS = [
    (
        "Khách quan tâm điện thoại",
        "điện thoại",
        "Chào anh/chị {tên}, em là {tư vấn viên} ở {cửa hàng}. Em thấy anh/chị vừa xem mẫu điện thoại bên em: "
        "cửa hàng đang có máy trải nghiệm và ưu đãi thu cũ đổi mới. Anh/chị ghé thử máy khung giờ nào tiện ạ?",
    ),
    (
        "Kịch bản chung",
        "",
        "Chào anh/chị, em gọi từ cửa hàng để hỗ trợ sản phẩm anh/chị đang quan tâm. Anh/chị cần em tư vấn thêm "
        "điều gì không ạ? Nếu tiện, em giữ hàng và hẹn anh/chị ghé xem trực tiếp.",
    ),
]


def _journeys(out) -> None:
    segments = {s.code: s for s in Segment.objects.filter(code__in=["browsed_not_bought", "churn_risk"])}
    journeys = [
        {
            "name": "Nhắc khách bỏ giỏ hàng",
            "description": "SMS → chờ 2 ngày → nhấp liên kết? tặng voucher tại cửa hàng : nội dung khác → chờ → dừng.",
            "entry_kind": Journey.Entry.SEGMENT,
            "entry_segment": segments.get("browsed_not_bought"),
            "goal_kind": Journey.Goal.PURCHASE,
            "priority": 60,
            "holdout_percent": 10,
            "steps": [
                {
                    "key": "sms-1",
                    "type": "send",
                    "channel": "sms",
                    "purpose": "marketing",
                    "next": "wait-2d",
                    "body": "Sản phẩm bạn xem vẫn còn hàng tại cửa hàng gần bạn. Xem ngay:",
                    "link": "https://example.vn/gio-hang",
                },
                {"key": "wait-2d", "type": "wait", "days": 2, "next": "clicked"},
                {"key": "clicked", "type": "branch", "condition": "clicked", "yes": "voucher", "no": "sms-2"},
                {
                    "key": "voucher",
                    "type": "voucher",
                    "discount_type": "percent",
                    "discount_value": 10,
                    "valid_days": 14,
                    "next": "sms-voucher",
                },
                {
                    "key": "sms-voucher",
                    "type": "send",
                    "channel": "sms",
                    "purpose": "marketing",
                    "next": "end",
                    "body": "Tặng bạn voucher giảm 10% khi mua tại cửa hàng trong 14 ngày.",
                },
                {
                    "key": "sms-2",
                    "type": "send",
                    "channel": "sms",
                    "purpose": "marketing",
                    "next": "wait-3d",
                    "body": "Gợi ý cho bạn: các mẫu mới về tuần này, trải nghiệm trực tiếp tại cửa hàng.",
                },
                {"key": "wait-3d", "type": "wait", "days": 3, "next": "end"},
                {"key": "end", "type": "end"},
            ],
        },
        {
            "name": "Gọi lại khách sắp rời bỏ",
            "description": "Khách lâu không mua: ZNS ưu đãi → chờ 5 ngày → ghé cửa hàng? dừng : voucher → dừng.",
            "entry_kind": Journey.Entry.SEGMENT,
            "entry_segment": segments.get("churn_risk"),
            "goal_kind": Journey.Goal.VISIT,
            "priority": 40,
            "holdout_percent": 10,
            "steps": [
                {
                    "key": "zns-1",
                    "type": "send",
                    "channel": "zns",
                    "fallback_channel": "sms",
                    "purpose": "marketing",
                    "body": "Lâu rồi không gặp bạn! Ghé cửa hàng tuần này nhận quà nhỏ.",
                    "next": "wait-5d",
                },
                {"key": "wait-5d", "type": "wait", "days": 5, "next": "visited"},
                {"key": "visited", "type": "branch", "condition": "visited", "yes": "end", "no": "voucher"},
                {
                    "key": "voucher",
                    "type": "voucher",
                    "discount_type": "amount",
                    "discount_value": 100000,
                    "valid_days": 30,
                    "next": "end",
                },
                {"key": "end", "type": "end"},
            ],
        },
        {
            "name": "Khách tiềm năng mới → tư vấn viên gọi trong 2 giờ",
            "description": "Mỗi khách để lại thông tin được giao ngay cho tư vấn viên của cửa hàng gần nhất.",
            "entry_kind": Journey.Entry.EVENT,
            "entry_event": "lead",
            "goal_kind": Journey.Goal.VISIT,
            "priority": 90,
            "steps": [
                {"key": "assign", "type": "assign", "next": "thanks"},
                {
                    "key": "thanks",
                    "type": "send",
                    "channel": "sms",
                    "purpose": "service",
                    "body": "Cảm ơn bạn đã quan tâm! Tư vấn viên của cửa hàng sẽ gọi cho bạn trong 2 giờ làm việc.",
                },
            ],
        },
    ]
    for values in journeys:
        if Journey.objects.filter(name=values["name"]).exists():
            continue
        if values["entry_kind"] == Journey.Entry.SEGMENT and values["entry_segment"] is None:
            out(f"  (bỏ qua hành trình “{values['name']}”: chưa có phân khúc)")
            continue
        journey = services.journey_create(**values)
        services.journey_publish(journey=journey)
    # Members enter now (in production the periodic `journeys.enter` does it); the first sends go
    # at the next `journeys.tick`, so seeding sends nothing.
    services.journeys_enter_from_segments()
    out(f"  {Journey.objects.count()} hành trình chăm sóc (trang /journeys/)")


def seed(out) -> None:
    with transaction.atomic():
        for username, name, store_code in CONSULTANTS:
            user = demo_user(username, name, Role.CONSULTANT, is_staff=False)
            store = Store.objects.filter(code=store_code).first()
            if store:
                store.staff.add(user)
        for title, interest, body in SCRIPTS:
            LeadScript.objects.get_or_create(title=title, defaults={"interest": interest, "body": body})
        _journeys(out)
        if not Lead.objects.exists():
            q1 = Store.objects.filter(code="hcm-q1").first()
            customers = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True, lifecycle="lead")
            for customer in customers.order_by("-lead_score", "pk")[:6]:
                services.lead_open(customer=customer, store=q1, interest="điện thoại", source="demo")
        out(f"  {Lead.objects.count()} khách tiềm năng; tư vấn viên: " + ", ".join(u for u, _n, _s in CONSULTANTS))
