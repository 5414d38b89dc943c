from support import demo
from support.models import Department, Ticket


def test_demo_seed_is_idempotent_and_covers_every_state(db):
    lines = []
    demo.seed(lines.append)
    demo.seed(lines.append)
    assert Department.objects.count() == 4
    assert Ticket.objects.count() == len(demo.TICKETS)
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Ticket.Status.values)


def test_merge_moves_tickets_and_calls_to_the_survivor(ticket, customer):
    from customers.services import customer_merge

    from .conftest import make_customer

    duplicate = make_customer("An Nguyễn", "0987000111")
    from support import services

    other = services.ticket_create(customer=duplicate, category=ticket.category, subject="Của bản trùng")
    customer_merge(survivor=customer, duplicate=duplicate)
    other.refresh_from_db()
    assert other.customer_id == customer.pk


def test_export_and_erase_cover_support_data(category, customer):
    from customers.services import customer_erase, customer_export
    from support import services

    ticket = services.ticket_create(
        customer=customer, category=category, subject="Máy lỗi", description="Giao tới số 12 Lý Thái Tổ"
    )
    exported = customer_export(customer=customer)
    assert "Giao tới số 12 Lý Thái Tổ" in str(exported)
    customer_erase(customer=customer, reason="yêu cầu của khách")
    ticket.refresh_from_db()
    assert ticket.description == ""
    assert not ticket.events.exclude(body="").exists()
