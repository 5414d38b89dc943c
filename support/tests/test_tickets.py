import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2o_site.api import DomainError
from support import services
from support.models import Ticket, TicketEvent
from support.services import InvalidTransition


def test_ticket_create_routes_to_the_category_department_with_its_due_time(customer, category, agent):
    # given
    before = timezone.now()
    # when
    ticket = services.ticket_create(
        customer=customer, category=category, subject="Máy không lên nguồn", created_by=agent, order_ref="SP-1"
    )
    # then
    assert ticket.department.code == "warranty"
    assert ticket.status == Ticket.Status.NEW
    assert before + timedelta(minutes=119) < ticket.due_at <= timezone.now() + timedelta(minutes=120)
    assert ticket.number == str(ticket.pk)
    assert list(ticket.events.values_list("kind", flat=True)) == [TicketEvent.Kind.CREATED]
    from customers.selectors import customer_timeline

    items = customer_timeline(customer).items
    assert [(a.kind, a.ref_id) for a in items] == [("ticket", str(ticket.pk))]


def test_ticket_create_refuses_an_empty_subject_with_a_field_error(customer, category):
    with pytest.raises(DomainError) as err:
        services.ticket_create(customer=customer, category=category, subject="   ")
    assert "subject" in err.value.fields
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], Ticket.Status.CONFIRMED),
        ([], Ticket.Status.REOPENED),
        ([Ticket.Status.RESOLVED], Ticket.Status.WAITING),
        ([Ticket.Status.CLOSED], Ticket.Status.RESOLVED),
        ([Ticket.Status.OPEN], Ticket.Status.NEW),
    ],
)
def test_invalid_ticket_transitions_are_refused(ticket, agent, path, refused):
    # given
    for status in path:
        services.ticket_transition(ticket=ticket, to_status=status, actor=agent)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    # when / then
    with pytest.raises(InvalidTransition) as err:
        services.ticket_transition(ticket=ticket, to_status=refused, actor=agent)
    assert err.value.code == "invalid_transition"
    assert err.value.status_code == 409
    ticket.refresh_from_db()
    assert ticket.status == (path[-1] if path else Ticket.Status.NEW)
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before


def test_life_cycle_records_every_step_and_times(ticket, agent):
    # when
    services.ticket_transition(ticket=ticket, to_status=Ticket.Status.OPEN, actor=agent)
    services.ticket_transition(ticket=ticket, to_status=Ticket.Status.WAITING, actor=agent, note="Chờ khách gửi ảnh")
    services.ticket_transition(ticket=ticket, to_status=Ticket.Status.OPEN, actor=agent)
    services.ticket_resolve(ticket=ticket, actor=agent)
    services.ticket_close(ticket=ticket, actor=agent)
    services.ticket_reopen(ticket=ticket, actor=agent)
    # then
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.REOPENED
    assert ticket.first_response_at is not None
    assert ticket.resolved_at is None and ticket.closed_at is None
    moves = list(
        TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.STATUS).values_list("from_status", "to_status")
    )
    assert moves == [
        ("new", "open"),
        ("open", "waiting"),
        ("waiting", "open"),
        ("open", "resolved"),
        ("resolved", "closed"),
        ("closed", "reopened"),
    ]


def test_history_is_append_only(ticket):
    event = ticket.events.first()
    event.body = "sửa lịch sử"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_comment_reply_sets_first_response_and_note_does_not(ticket, agent):
    services.ticket_comment(ticket=ticket, author=agent, body="Ghi chú nội bộ", public=False)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    services.ticket_comment(ticket=ticket, author=agent, body="Chúng tôi đã nhận yêu cầu", public=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None


def test_overdue_escalation_happens_once_to_the_department_lead(ticket, departments):
    # given: the ticket is past its due time
    later = ticket.due_at + timedelta(minutes=1)
    # when: the periodic task runs three times
    counts = [services.tickets_escalate_overdue(now=later) for _ in range(3)]
    # then
    assert counts == [1, 0, 0]
    ticket.refresh_from_db()
    assert ticket.escalated_at == later
    assert ticket.assignee == departments["lead"]
    assert ticket.priority == Ticket.Priority.HIGH
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ESCALATION).count() == 1


def test_escalation_skips_tickets_not_yet_due_or_resolved(ticket, agent, customer, category):
    other = services.ticket_create(customer=customer, category=category, subject="Khác")
    services.ticket_resolve(ticket=other, actor=agent)
    assert services.tickets_escalate_overdue(now=ticket.due_at - timedelta(minutes=1)) == 0
    assert services.tickets_escalate_overdue(now=ticket.due_at + timedelta(minutes=1)) == 1


def test_escalation_task_is_registered_as_periodic():
    from o2o_site.celery import app

    entries = {v["task"] for v in (app.conf.beat_schedule or {}).values()}
    assert "support.tickets_escalate_overdue" in entries


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_resolving_at_once_resolve_once(customer, category, agent):
    # given
    ticket = services.ticket_create(customer=customer, category=category, subject="Đồng thời")
    barrier = threading.Barrier(4)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            services.ticket_resolve(ticket=Ticket.objects.get(pk=ticket.pk), actor=agent)
            outcomes.append("ok")
        except InvalidTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert TicketEvent.objects.filter(ticket=ticket, to_status="resolved").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_escalation_runs_escalate_once(customer, category):
    ticket = services.ticket_create(customer=customer, category=category, subject="Quá hạn")
    later = ticket.due_at + timedelta(minutes=5)
    barrier = threading.Barrier(3)
    counts = []

    def worker():
        try:
            barrier.wait()
            counts.append(services.tickets_escalate_overdue(now=later))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 1
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ESCALATION).count() == 1


def test_a_reopened_ticket_gets_a_fresh_due_time_and_can_escalate_again(ticket, agent):
    services.tickets_escalate_overdue(now=ticket.due_at + timedelta(minutes=1))
    services.ticket_resolve(ticket=ticket, actor=agent)
    services.ticket_reopen(ticket=ticket, actor=agent, note="Khách báo lỗi lại")
    ticket.refresh_from_db()
    assert ticket.escalated_at is None
    assert ticket.due_at > timezone.now() + timedelta(minutes=100)
    assert services.tickets_escalate_overdue(now=ticket.due_at + timedelta(minutes=1)) == 1


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.sampled_from([s for s in Ticket.Status.values if s != "confirmed"]), max_size=8))
def test_any_sequence_of_moves_follows_the_life_cycle(customer, category, agent, moves):
    # given
    ticket = services.ticket_create(customer=customer, category=category, subject="Chuỗi bất kỳ")
    expected = Ticket.Status.NEW
    # when: every requested move is either applied exactly as the table says, or refused
    for status in moves:
        allowed = status in Ticket.TRANSITIONS[expected]
        try:
            services.ticket_transition(ticket=ticket, to_status=status, actor=agent)
            assert allowed
            expected = status
        except InvalidTransition:
            assert not allowed
    # then: the stored status and its history agree with the table
    ticket.refresh_from_db()
    assert ticket.status == expected
    last = TicketEvent.objects.filter(ticket=ticket, kind="status").order_by("-id").first()
    assert (last.to_status if last else Ticket.Status.NEW) == expected
