"""Leads go to the right consultant, are taken back when nobody calls in time, and close on a visit."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from channels.models import Store
from customers.services import customer_set_preferred_store, record_activity
from customers.tests.factories import make_customer
from journeys.models import Lead
from journeys.services import (
    journey_enter,
    journeys_tick,
    lead_open,
    lead_record_outcome,
    leads_convert,
    leads_reassign_overdue,
    working_deadline,
)
from journeys.testing import live_journey
from o2o_site.api import DomainError, NotFound
from o2o_site.roles import Role

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_10 = datetime(2026, 11, 2, 10, 0, tzinfo=LOCAL)


@pytest.fixture
def stores(db):
    return (
        Store.objects.create(code="hcm-q1", name="Cửa hàng Quận 1"),
        Store.objects.create(code="hcm-q7", name="Cửa hàng Quận 7"),
    )


@pytest.fixture
def consultant(make_user):
    def build(*stores, name="tv"):
        user = make_user(Role.CONSULTANT, stores=list(stores))
        return user

    return build


def _customer_of(store, name="Lê Văn Cường"):
    customer = make_customer(name)
    customer_set_preferred_store(customer=customer, store_code=store.code)
    customer.refresh_from_db()
    return customer


def test_leads_go_round_robin_weighted_by_open_load(stores, consultant):
    q1, _q7 = stores
    first, second = consultant(q1), consultant(q1)
    with freeze_time(MONDAY_10):
        leads = [lead_open(customer=_customer_of(q1, f"Khách {i}"), source="form") for i in range(4)]
    given = [lead.consultant_id for lead in leads]
    assert given.count(first.pk) == 2 and given.count(second.pk) == 2
    # a consultant who closes their leads gets the next one
    for lead in Lead.objects.filter(consultant=first):
        with freeze_time(MONDAY_10 + timedelta(minutes=5)):
            lead_record_outcome(lead=lead, user=first, outcome="not_interested")
    with freeze_time(MONDAY_10 + timedelta(minutes=6)):
        assert lead_open(customer=_customer_of(q1, "Khách mới")).consultant_id == first.pk


def test_a_lead_goes_to_a_consultant_of_the_customers_store_only(stores, consultant):
    q1, q7 = stores
    in_q1, in_q7 = consultant(q1), consultant(q7)
    with freeze_time(MONDAY_10):
        lead = lead_open(customer=_customer_of(q7))
    assert lead.store == q7 and lead.consultant == in_q7
    assert lead.consultant != in_q1


def test_the_first_contact_is_due_within_two_working_hours():
    assert working_deadline(MONDAY_10, 120) == MONDAY_10 + timedelta(hours=2)
    evening = datetime(2026, 11, 2, 20, 30, tzinfo=LOCAL)
    assert working_deadline(evening, 120) == datetime(2026, 11, 3, 9, 30, tzinfo=LOCAL)
    night = datetime(2026, 11, 2, 23, 0, tzinfo=LOCAL)
    assert working_deadline(night, 120) == datetime(2026, 11, 3, 10, 0, tzinfo=LOCAL)


def test_a_lead_not_contacted_in_time_goes_to_another_consultant(stores, consultant):
    q1, _q7 = stores
    slow, other = consultant(q1), consultant(q1)
    with freeze_time(MONDAY_10):
        lead = lead_open(customer=_customer_of(q1))
    owner = lead.consultant
    with freeze_time(MONDAY_10 + timedelta(hours=1)):
        assert leads_reassign_overdue() == 0
    with freeze_time(MONDAY_10 + timedelta(hours=2, minutes=1)):
        assert leads_reassign_overdue() == 1
    lead.refresh_from_db()
    assert lead.consultant != owner and lead.consultant in (slow, other)
    assert lead.reassign_count == 1 and lead.events.filter(kind="sla_breach").count() == 1


def test_a_contact_in_time_stops_the_clock(stores, consultant):
    q1, _q7 = stores
    user = consultant(q1)
    with freeze_time(MONDAY_10):
        lead = lead_open(customer=_customer_of(q1))
    with freeze_time(MONDAY_10 + timedelta(minutes=30)):
        lead_record_outcome(lead=lead, user=user, outcome="no_answer")
    lead.refresh_from_db()
    assert lead.first_contact_at is None, "no answer is an attempt, not a contact"
    with freeze_time(MONDAY_10 + timedelta(minutes=40)):
        lead_record_outcome(lead=lead, user=user, outcome="reached", note="Khách hỏi về iPhone")
    with freeze_time(MONDAY_10 + timedelta(hours=3)):
        assert leads_reassign_overdue() == 0
    lead.refresh_from_db()
    assert lead.status == "contacted" and lead.consultant == user


def test_an_appointment_is_an_expected_visit_and_a_check_in_converts_the_lead(stores, consultant):
    from journeys.selectors import store_expected_visits

    q1, _q7 = stores
    user = consultant(q1)
    with freeze_time(MONDAY_10):
        customer = _customer_of(q1)
        lead = lead_open(customer=customer)
        lead_record_outcome(lead=lead, user=user, outcome="appointment", appointment_at=MONDAY_10 + timedelta(days=1))
        assert list(store_expected_visits([q1.pk])) == [Lead.objects.get(pk=lead.pk)]
    with freeze_time(MONDAY_10 + timedelta(days=1)):
        record_activity(customer=customer, kind="checkin", store_code=q1.code)
        assert leads_convert() == 1
    assert Lead.objects.get(pk=lead.pk).status == "converted"


def test_an_appointment_in_the_past_is_refused(stores, consultant):
    q1, _q7 = stores
    user = consultant(q1)
    with freeze_time(MONDAY_10):
        lead = lead_open(customer=_customer_of(q1))
        with pytest.raises(DomainError) as refused:
            lead_record_outcome(
                lead=lead, user=user, outcome="appointment", appointment_at=MONDAY_10 - timedelta(hours=1)
            )
    assert "appointment_at" in refused.value.fields


def test_a_consultant_of_store_a_cannot_touch_store_bs_lead(stores, consultant, client):
    q1, q7 = stores
    mine, theirs = consultant(q1), consultant(q7)
    with freeze_time(MONDAY_10):
        lead = lead_open(customer=_customer_of(q7))
    with pytest.raises(NotFound):
        lead_record_outcome(lead=lead, user=mine, outcome="reached")
    client.force_login(mine)
    assert client.get(f"/leads/{lead.pk}/").status_code == 404
    assert lead.pk not in [row.pk for row in client.get("/leads/").context["leads"]]
    client.force_login(theirs)
    page = client.get(f"/leads/{lead.pk}/")
    assert page.status_code == 200 and "Lê Văn Cường" in page.content.decode()


def test_one_open_lead_per_customer(stores, consultant):
    q1, _q7 = stores
    consultant(q1)
    customer = _customer_of(q1)
    with freeze_time(MONDAY_10):
        first = lead_open(customer=customer, interest="iPhone")
        second = lead_open(customer=customer, interest="AirPods")
    assert first.pk == second.pk and Lead.objects.count() == 1
    assert Lead.objects.get().interest == "iPhone; AirPods"


def test_a_journeys_assign_step_opens_a_lead(stores, consultant):
    q1, _q7 = stores
    user = consultant(q1)
    with freeze_time(MONDAY_10):
        customer = _customer_of(q1)
        journey = live_journey(steps=[{"key": "a", "type": "assign"}], name="Khách mới → tư vấn")
        journey_enter(journey=journey, customer_ids=[customer.pk])
        journeys_tick()
    lead = Lead.objects.get(customer=customer)
    assert lead.journey == journey and lead.consultant == user and lead.source == "journey"


def test_the_consultant_screens_answer_and_the_report_counts(stores, consultant, client, manager):
    q1, _q7 = stores
    user = consultant(q1)
    with freeze_time(MONDAY_10):
        lead = lead_open(customer=_customer_of(q1), interest="Laptop")
    client.force_login(user)
    page = client.post(f"/leads/{lead.pk}/", {"outcome": "reached", "note": "Gọi lại chiều"})
    assert page.status_code == 302
    bad = client.post(f"/leads/{lead.pk}/", {"outcome": "appointment"})
    assert bad.status_code == 200 and "tương lai" in bad.content.decode()
    client.force_login(manager)
    report = client.get("/leads/report/?start=2026-11-01&end=2026-11-30&by=consultant")
    assert report.status_code == 200
    rows = report.context["rows"]
    assert [(r.leads, r.contacted) for r in rows] == [(1, 1)]
    assert client.get("/leads/report/?start=2026-11-30&end=2026-11-01").status_code == 200
