"""Support demo data: departments with leads and agents, categories, a CTI token, and tickets in
every state for demo customers. Idempotent; everything goes through services."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from o2o_site.demo import demo_user
from o2o_site.roles import Role

from . import services
from .models import AgentProfile, Category, Department, Ticket

DEPARTMENTS = [
    # code, name, response, resolution (minutes), lead username, lead name
    ("sales", "Kinh doanh", 30, 8 * 60, "lead_sales", "Đỗ Minh Khoa"),
    ("warranty", "Bảo hành", 60, 48 * 60, "lead_warranty", "Phan Thị Hoa"),
    ("delivery", "Giao hàng", 30, 24 * 60, "lead_delivery", "Vũ Đức Long"),
    ("complaints", "Khiếu nại", 15, 24 * 60, "lead_complaints", "Hoàng Mai Anh"),
]

CATEGORIES = [
    ("product-advice", "Tư vấn sản phẩm", "sales", 4 * 60),
    ("price-question", "Hỏi giá, khuyến mãi", "sales", 2 * 60),
    ("broken-product", "Sản phẩm lỗi", "warranty", 48 * 60),
    ("warranty-status", "Tình trạng bảo hành", "warranty", None),
    ("late-delivery", "Giao hàng trễ", "delivery", 12 * 60),
    ("wrong-item", "Giao sai/thiếu hàng", "delivery", None),
    ("staff-attitude", "Thái độ nhân viên", "complaints", None),
    ("refund", "Đổi trả, hoàn tiền", "complaints", 72 * 60),
]

DEMO_CUSTOMERS = [
    ("Nguyễn Văn An", "0912345678"),
    ("Trần Thị Bích Ngọc", "0987654321"),
    ("Lê Hoàng Nam", "0903111222"),
    ("Phạm Thu Trang", "0362345678"),
]

# (customer index, category code, subject, path of statuses after "new")
TICKETS = [
    (0, "broken-product", "Điện thoại mua trên Shopee không sạc được", []),
    (0, "late-delivery", "Đơn website giao trễ 3 ngày", ["open"]),
    (1, "wrong-item", "Nhận thiếu tai nghe trong hộp", ["open", "waiting"]),
    (1, "price-question", "Hỏi giá iPhone tại cửa hàng Quận 1", ["open", "resolved"]),
    (2, "staff-attitude", "Nhân viên cửa hàng không nhiệt tình", ["open", "resolved", "confirmed"]),
    (2, "warranty-status", "Máy bảo hành đã xong chưa?", ["resolved", "closed"]),
    (3, "refund", "Muốn đổi size áo mua trên Lazada", ["resolved", "reopened"]),
    (3, "product-advice", "Tư vấn nồi chiên không dầu", ["open"]),
]


def seed(out) -> None:
    agent = demo_user("agent", "Nguyễn Thị Lan", Role.AGENT, note="máy lẻ 101")
    agents = [agent, demo_user("agent2", "Trần Văn Bình", Role.AGENT, is_staff=False, note="máy lẻ 102")]
    AgentProfile.objects.get_or_create(user=agents[0], defaults={"extension": "101"})
    AgentProfile.objects.get_or_create(user=agents[1], defaults={"extension": "102"})
    departments = {}
    for code, name, response, resolution, lead_username, lead_name in DEPARTMENTS:
        lead = demo_user(lead_username, lead_name, Role.AGENT, is_staff=False, note=f"trưởng bộ phận {name}")
        department = Department.objects.filter(code=code).first() or services.department_create(
            code=code, name=name, response_minutes=response, resolution_minutes=resolution, lead=lead
        )
        department.members.add(lead, *agents)
        departments[code] = department
    categories = {}
    for code, name, department, minutes in CATEGORIES:
        categories[code] = Category.objects.filter(code=code).first() or services.category_create(
            code=code, name=name, department=departments[department], resolution_minutes=minutes
        )
    out(f"  khoá API của tổng đài CTI (chỉ POST /api/v1/support/calls/ và …/status/): {_demo_cti_key()}")
    services.care_segment()
    if Ticket.objects.exists():
        return
    with transaction.atomic():  # all the demo tickets or none, so a failed run is simply re-run
        _seed_tickets(out, categories, agents)


def _demo_cti_key() -> str:
    """The demo's CTI token: a key derived from SECRET_KEY, so every re-seed prints the same one.

    An older demo made the CTI a full Agent account (`cti`): that account is switched off.
    """
    import hashlib

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from .cti import KEY_PREFIX, cti_token_create, hash_key
    from .models import CtiToken

    legacy = get_user_model().objects.filter(username="cti", is_active=True).first()
    if legacy is not None:
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=legacy).delete()
        legacy.groups.clear()
        legacy.is_active = False
        legacy.set_unusable_password()
        legacy.save(update_fields=["is_active", "password"])
    key = KEY_PREFIX + hashlib.sha256(f"demo-cti:{settings.SECRET_KEY}".encode()).hexdigest()[:40]
    if not CtiToken.objects.filter(key_hash=hash_key(key)).exists():
        cti_token_create(name="Tổng đài demo", key=key)
    return key


def _seed_tickets(out, categories, agents) -> None:
    from customers.services import customer_resolve

    customers = [customer_resolve(full_name=n, phone=p, source="demo").customer for n, p in DEMO_CUSTOMERS]
    now = timezone.now()
    for i, (who, category, subject, path) in enumerate(TICKETS):
        ticket = services.ticket_create(
            customer=customers[who],
            category=categories[category],
            subject=subject,
            created_by=agents[i % 2],
            assignee=agents[i % 2] if path else None,
            now=now - timedelta(hours=6 * (len(TICKETS) - i)),
        )
        for status in path:
            if status == "confirmed":
                services.ticket_confirm(ticket=ticket, actor=agents[0], satisfaction=5)
            else:
                services.ticket_transition(ticket=ticket, to_status=status, actor=agents[i % 2])
    services.tickets_escalate_overdue()
    out(f"  {len(TICKETS)} yêu cầu hỗ trợ, {len(DEPARTMENTS)} bộ phận")
