"""A broker outage never makes us answer "failed" for done work, and loses nothing (issue 13).

A real Redis broker, started by the test on its own port, is stopped while an agent resolves a
ticket and a marketplace sends an order; both answer success, their tasks wait in the outbox,
and once Redis is back the drain hands each task to the broker exactly once.
"""

import datetime as dt

import pytest
from django.utils import timezone

from o2o_site.models import OutboxTask
from o2o_site.outbox import outbox_drain
from o2o_site.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.fixture
def ticket(make_user, django_capture_on_commit_callbacks):
    from customers.services import customer_resolve
    from support import services

    agent = make_user(Role.AGENT, username="tong-dai")
    department = services.department_create(code="warranty", name="Bảo hành")
    category = services.category_create(code="broken", name="Máy lỗi", department=department)
    # committed as a request would, so its own tasks are sent before the test starts
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_resolve(full_name="Trần Thị Bình", phone="0987654321", source="test").customer
        return services.ticket_create(
            customer=customer, category=category, subject="Máy không lên nguồn", created_by=agent
        )


@pytest.fixture
def marketplace(make_user):
    from channels.models import SalesChannel
    from channels.services import stock_receive
    from channels.tests.factories import ChannelFactory, SkuFactory, StoreFactory

    ChannelFactory(code="shopee", name="Shopee", kind=SalesChannel.Kind.SHOPEE)
    stock_receive(
        sku=SkuFactory(code="AO-001", base_price=199_000),
        location=StoreFactory(code="kho-hn", name="Kho", is_warehouse=True),
        quantity=5,
    )
    return make_user(Role.INVENTORY, username="integration")


ORDER = {
    "external_id": "SP-77",
    "status": "pending",
    "placed_at": "2026-11-20T10:00:00+07:00",
    "customer": {"phone": "0912345678", "full_name": "Nguyễn Văn An"},
    "lines": [{"sku": "AO-001", "quantity": 1, "unit_price": 199_000}],
    "total": 199_000,
}


def test_with_the_broker_down_done_work_answers_success_and_its_tasks_are_delivered_once_later(
    celery_broker, ticket, marketplace, api_as, django_capture_on_commit_callbacks
):
    # given: the broker answers (the ticket's own tasks went out), then stops
    assert not OutboxTask.objects.filter(sent_at__isnull=True).exists()
    celery_broker.stop()
    # when: an agent resolves a ticket and a marketplace sends an order
    with django_capture_on_commit_callbacks(execute=True):
        resolved = api_as(ticket.created_by).post(
            f"/api/v1/support/tickets/{ticket.pk}/transition/",
            {"status": "resolved", "note": "Đã đổi máy"},
            format="json",
        )
    with django_capture_on_commit_callbacks(execute=True):
        ordered = api_as(marketplace).post("/api/v1/channels/shopee/orders/", ORDER, format="json")
    # then: the truth — both done
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "resolved"
    assert ordered.status_code == 201, ordered.content
    waiting = list(OutboxTask.objects.filter(sent_at__isnull=True).order_by("pk"))
    # the first refusal is recorded; the later sends left the dead broker alone (no waiting)
    assert waiting and waiting[0].attempts == 1 and waiting[0].last_error
    expected = sorted((row.task, repr(tuple(row.args))) for row in waiting)
    assert "reports.segments_refresh_customers" in {row.task for row in waiting}

    # when: the broker is back (empty) and the periodic drain runs (twice)
    celery_broker.start()
    later = timezone.now() + dt.timedelta(seconds=61)
    first = outbox_drain(now=later)
    second = outbox_drain(now=later)
    # then: every queued task reached the broker once
    assert first == len(waiting) and second == 0
    assert sorted(celery_broker.queued()) == expected
    assert not OutboxTask.objects.filter(sent_at__isnull=True).exists()


def test_with_the_broker_up_the_task_goes_at_commit_and_the_drain_sends_nothing_again(
    celery_broker, ticket, api_as, django_capture_on_commit_callbacks
):
    # given
    before = celery_broker.queued()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        resolved = api_as(ticket.created_by).post(
            f"/api/v1/support/tickets/{ticket.pk}/transition/", {"status": "resolved", "note": ""}, format="json"
        )
    # then
    assert resolved.status_code == 200
    sent = celery_broker.queued()
    assert len(sent) > len(before) and OutboxTask.objects.filter(sent_at__isnull=True).count() == 0
    assert outbox_drain(now=timezone.now() + dt.timedelta(seconds=61)) == 0
    assert celery_broker.queued() == sent


def test_a_rolled_back_transaction_sends_no_task(celery_broker, ticket, django_capture_on_commit_callbacks):
    from django.db import transaction

    from reports.signals import _enqueue

    # given / when: work that fails after queuing its task
    before = celery_broker.queued()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            _enqueue(ticket.customer_id)
            raise RuntimeError("the work failed")
        with transaction.atomic():
            _enqueue(ticket.customer_id)
    # then: only the committed one went out
    assert celery_broker.queued() == [*before, ("reports.segments_refresh_customers", f"([{ticket.customer_id}],)")]
