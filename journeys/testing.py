"""Builders for tests of this app and the apps above it (PostHog's facade `testing.py` pattern)."""

from __future__ import annotations

from customers.models import Segment
from customers.services import consent_record, segment_sync_members
from customers.tests.factories import ConsentTextFactory, SegmentFactory, make_customer

from .models import Journey
from .services import journey_create, journey_publish


def reachable_customer(name: str = "Trần Thị Bình", *, channels=("sms",)):
    """A customer with a phone and a current marketing grant on `channels`."""
    customer = make_customer(name)
    text = ConsentTextFactory()
    for channel in channels:
        consent_record(
            customer=customer, channel=channel, purpose="marketing", granted=True, source="web_form", text=text
        )
    return customer


def segment_of(customers) -> Segment:
    segment = SegmentFactory(kind=Segment.Kind.CUSTOM)
    segment_sync_members(segment=segment, customer_ids=[c.pk for c in customers])
    return segment


def live_journey(*, steps: list[dict], segment: Segment | None = None, **settings) -> Journey:
    """A published journey (segment entry when `segment` is given, else manual)."""
    values = {"name": settings.pop("name", "Hành trình thử"), **settings}
    if segment is not None:
        values.update(entry_kind=Journey.Entry.SEGMENT, entry_segment=segment)
    else:
        values.setdefault("entry_kind", Journey.Entry.MANUAL)
    journey = journey_create(steps=steps, **values)
    journey_publish(journey=journey)
    journey.refresh_from_db()
    return journey


def drop_off_steps(*, wait_days: int = 2) -> list[dict]:
    """The seed's "drop-off after add to cart": SMS → wait → clicked? voucher : other content → wait → give up."""
    return [
        {
            "key": "s1",
            "type": "send",
            "channel": "sms",
            "purpose": "marketing",
            "body": "Giỏ hàng đang chờ bạn",
            "next": "w1",
        },
        {"key": "w1", "type": "wait", "days": wait_days, "next": "b1"},
        {"key": "b1", "type": "branch", "condition": "clicked", "yes": "v1", "no": "s2"},
        {
            "key": "v1",
            "type": "voucher",
            "discount_type": "percent",
            "discount_value": 10,
            "valid_days": 14,
            "next": "e1",
        },
        {
            "key": "s2",
            "type": "send",
            "channel": "sms",
            "purpose": "marketing",
            "body": "Gợi ý khác cho bạn",
            "next": "w2",
        },
        {"key": "w2", "type": "wait", "days": wait_days, "next": "e1"},
        {"key": "e1", "type": "end"},
    ]
