"""Journeys run over a frozen clock: branches, waits, the rules against spam, versions, holdout."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from freezegun import freeze_time

from customers.models import Message
from customers.services import consent_record, customer_erase, record_activity
from journeys.models import DueStep, Enrollment, Journey
from journeys.services import (
    due_steps_run,
    journey_enter,
    journey_publish,
    journey_update,
    journeys_enter_from_segments,
    journeys_tick,
)
from journeys.testing import drop_off_steps, live_journey, reachable_customer, segment_of
from promotions.models import Voucher

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_10 = datetime(2026, 11, 2, 10, 0, tzinfo=LOCAL)


def _messages(customer) -> list[str]:
    return list(Message.objects.filter(customer=customer).order_by("pk").values_list("body", flat=True))


def test_a_journey_walks_both_branches_with_exact_sends_and_equal_waits():
    # given: two reachable customers in the entry segment of the drop-off journey
    with freeze_time(MONDAY_10) as clock:
        clicker, silent = reachable_customer("Khách Nhấp"), reachable_customer("Khách Im")
        journey = live_journey(steps=drop_off_steps(wait_days=2), segment=segment_of([clicker, silent]))
        assert journeys_enter_from_segments() == 2
        # when: the first tick sends the SMS and starts the wait
        journeys_tick()
        assert _messages(clicker) == ["Giỏ hàng đang chờ bạn"] and _messages(silent) == ["Giỏ hàng đang chờ bạn"]
        branch_due = set(DueStep.objects.filter(step_key="b1").values_list("due_at", flat=True))
        assert branch_due == {MONDAY_10 + timedelta(days=2)}
        # one customer clicks the link the next day
        clock.tick(timedelta(days=1))
        record_activity(customer=clicker, kind="link_click", summary="giỏ hàng")
        journeys_tick()
        assert DueStep.objects.filter(step_key="b1", status="pending").count() == 2  # the wait is not over
        clock.tick(timedelta(days=1))
        journeys_tick()
        # then: the clicker gets a store voucher and nothing more; the other gets the other content
        assert Voucher.objects.filter(customer=clicker).count() == 1
        assert Voucher.objects.filter(customer=silent).count() == 0
        assert _messages(clicker) == ["Giỏ hàng đang chờ bạn"]
        assert _messages(silent) == ["Giỏ hàng đang chờ bạn", "Gợi ý khác cho bạn"]
        # the negative branch waits exactly its own 2 days, not the branch window on top
        assert DueStep.objects.get(enrollment__customer=silent, step_key="e1").due_at == MONDAY_10 + timedelta(days=4)
        clock.tick(timedelta(days=2))
        journeys_tick()
    stays = dict(Enrollment.objects.filter(journey=journey).values_list("customer_id", "exit_reason"))
    assert stays == {clicker.pk: "gave_up", silent.pk: "gave_up"}
    assert Message.objects.filter(ref_type="journey").count() == 3


def test_the_weekly_cap_holds_across_two_journeys(settings):
    settings.JOURNEYS_MAX_MARKETING_PER_7_DAYS = 1
    with freeze_time(MONDAY_10):
        customer = reachable_customer()
        one = [{"key": "s", "type": "send", "channel": "sms", "purpose": "marketing", "body": "Tin A"}]
        two = [{"key": "s", "type": "send", "channel": "sms", "purpose": "marketing", "body": "Tin B"}]
        first, second = live_journey(steps=one, name="A"), live_journey(steps=two, name="B")
        journey_enter(journey=first, customer_ids=[customer.pk])
        journey_enter(journey=second, customer_ids=[customer.pk])
        journeys_tick()
    assert len(_messages(customer)) == 1
    assert DueStep.objects.filter(outcome="capped").count() == 1


def test_quiet_hours_hold_a_send_until_eight_in_the_morning():
    night = datetime(2026, 11, 2, 22, 30, tzinfo=LOCAL)
    with freeze_time(night) as clock:
        customer = reachable_customer()
        journey = live_journey(
            steps=[{"key": "s", "type": "send", "channel": "sms", "purpose": "marketing", "body": "Chào"}]
        )
        journey_enter(journey=journey, customer_ids=[customer.pk])
        journeys_tick()
        assert _messages(customer) == []
        assert DueStep.objects.get().due_at == datetime(2026, 11, 3, 8, 0, tzinfo=LOCAL)
        clock.move_to(datetime(2026, 11, 3, 8, 0, 1, tzinfo=LOCAL))
        journeys_tick()
    assert _messages(customer) == ["Chào"]


def test_consent_withdrawn_mid_journey_stops_the_next_send_and_takes_the_customer_out():
    with freeze_time(MONDAY_10) as clock:
        customer = reachable_customer()
        journey = live_journey(steps=drop_off_steps(wait_days=1))
        journey_enter(journey=journey, customer_ids=[customer.pk])
        journeys_tick()
        consent_record(customer=customer, channel="sms", purpose="marketing", granted=False, source="sms_reply")
        clock.tick(timedelta(days=1, minutes=1))
        journeys_tick()
    assert _messages(customer) == ["Giỏ hàng đang chờ bạn"]
    stay = Enrollment.objects.get(journey=journey)
    assert (stay.status, stay.exit_reason) == ("exited", "opted_out")


def test_an_erased_customer_is_never_messaged_again():
    with freeze_time(MONDAY_10) as clock:
        customer = reachable_customer()
        journey = live_journey(steps=drop_off_steps(wait_days=1))
        journey_enter(journey=journey, customer_ids=[customer.pk])
        journeys_tick()
        customer_erase(customer=customer, reason="yêu cầu của khách")
        clock.tick(timedelta(days=2))
        journeys_tick()
    assert Message.objects.filter(customer=customer).count() == 1
    assert Enrollment.objects.get(journey=journey).status == "exited"
    assert not DueStep.objects.filter(status="pending").exists()


def test_meeting_the_goal_ends_the_journey_before_the_next_send():
    with freeze_time(MONDAY_10) as clock:
        customer = reachable_customer()
        journey = live_journey(steps=drop_off_steps(wait_days=1), goal_kind=Journey.Goal.VISIT)
        journey_enter(journey=journey, customer_ids=[customer.pk])
        journeys_tick()
        clock.tick(timedelta(hours=5))
        record_activity(customer=customer, kind="checkin", store_code="hcm-q1")
        clock.tick(timedelta(days=1))
        journeys_tick()
    stay = Enrollment.objects.get(journey=journey)
    assert stay.status == "converted" and stay.converted_at is not None
    assert len(_messages(customer)) == 1 and not Voucher.objects.filter(customer=customer).exists()


def test_customers_inside_finish_on_the_version_they_entered():
    with freeze_time(MONDAY_10) as clock:
        early, late = reachable_customer("Sớm"), reachable_customer("Muộn")
        steps = [
            {"key": "w", "type": "wait", "hours": 1, "next": "s"},
            {"key": "s", "type": "send", "channel": "sms", "purpose": "marketing", "body": "Bản 1"},
        ]
        journey = live_journey(steps=steps)
        journey_enter(journey=journey, customer_ids=[early.pk])
        journeys_tick()
        # when: the live journey is edited and published again
        steps[1] = {**steps[1], "body": "Bản 2"}
        journey_update(journey=journey, steps=steps)
        journey_publish(journey=journey)
        journey_enter(journey=journey, customer_ids=[late.pk])
        journeys_tick()
        clock.tick(timedelta(hours=2))
        journeys_tick()
    assert _messages(early) == ["Bản 1"] and _messages(late) == ["Bản 2"]


def test_the_holdout_receives_nothing_and_is_counted_for_the_lift():
    with freeze_time(MONDAY_10):
        customers = [reachable_customer(f"Khách {i}") for i in range(40)]
        journey = live_journey(
            steps=[{"key": "s", "type": "send", "channel": "sms", "purpose": "marketing", "body": "Ưu đãi"}],
            holdout_percent=50,
        )
        journey_enter(journey=journey, customer_ids=[c.pk for c in customers])
        journeys_tick()
    held = set(Enrollment.objects.filter(journey=journey, is_holdout=True).values_list("customer_id", flat=True))
    messaged = set(Message.objects.filter(ref_type="journey").values_list("customer_id", flat=True))
    assert 5 <= len(held) <= 35, "about half are kept out"
    assert not held & messaged and len(messaged) == 40 - len(held)


def test_one_customer_is_in_one_journey_once_unless_reentry_is_allowed():
    with freeze_time(MONDAY_10) as clock:
        customer = reachable_customer()
        steps = [{"key": "s", "type": "send", "channel": "sms", "purpose": "service", "body": "Cảm ơn"}]
        once = live_journey(steps=steps, name="Một lần")
        again = live_journey(steps=steps, name="Vào lại", allow_reentry=True, reentry_cooldown_days=7)
        for journey in (once, again):
            assert journey_enter(journey=journey, customer_ids=[customer.pk]) == 1
        journeys_tick()
        clock.tick(timedelta(days=8))
        assert journey_enter(journey=once, customer_ids=[customer.pk]) == 0
        assert journey_enter(journey=again, customer_ids=[customer.pk]) == 1


def test_entering_a_journey_of_higher_priority_takes_the_customer_out_of_a_lower_one():
    with freeze_time(MONDAY_10):
        customer = reachable_customer()
        wait = [{"key": "w", "type": "wait", "days": 3}]
        low = live_journey(steps=wait, name="Thấp", priority=10)
        high = live_journey(steps=wait, name="Cao", priority=90)
        journey_enter(journey=low, customer_ids=[customer.pk])
        journey_enter(journey=high, customer_ids=[customer.pk])
        assert journey_enter(journey=low, customer_ids=[customer.pk]) == 0
    assert Enrollment.objects.get(journey=low).exit_reason == "higher_priority"
    assert Enrollment.objects.get(journey=high).status == "active"


def test_a_paused_journey_sends_nothing_until_resumed():
    from journeys.services import journey_pause, journey_resume

    with freeze_time(MONDAY_10):
        customer = reachable_customer()
        journey = live_journey(
            steps=[{"key": "s", "type": "send", "channel": "sms", "purpose": "service", "body": "Hi"}]
        )
        journey_enter(journey=journey, customer_ids=[customer.pk])
        journey_pause(journey=journey)
        journeys_tick()
        assert _messages(customer) == []
        journey_resume(journey=journey)
        journeys_tick()
    assert _messages(customer) == ["Hi"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_run_every_step_exactly_once(settings):
    settings.JOURNEYS_TICK_BATCH = 5  # small batches, so the two workers interleave
    # given: 60 customers whose first send is due
    with freeze_time(MONDAY_10):
        customers = [reachable_customer(f"Song song {i}") for i in range(60)]
        journey = live_journey(
            steps=[{"key": "s", "type": "send", "channel": "sms", "purpose": "marketing", "body": "Một lần thôi"}]
        )
        journey_enter(journey=journey, customer_ids=[c.pk for c in customers])
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            due_steps_run(now=MONDAY_10 + timedelta(minutes=1), limit=1000)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    # when: two workers tick at the same moment, each on its own connection
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: every customer got exactly one message and every step ran once
    assert not errors
    assert Message.objects.filter(ref_type="journey").count() == 60
    assert set(DueStep.objects.values_list("status", flat=True)) == {"done"}
    assert DueStep.objects.count() == 60
