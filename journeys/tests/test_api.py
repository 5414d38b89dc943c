"""The journeys API: who may use it, what a bad journey answers, the dry run and the figures."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from customers.models import Segment
from journeys.models import Journey
from journeys.testing import drop_off_steps, reachable_customer, segment_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing_client(api_as, marketer):
    return api_as(marketer)


def _create(client, **extra):
    body = {"name": "Bỏ giỏ hàng", "entry_kind": "manual", "steps": drop_off_steps(), **extra}
    return client.post("/api/v1/journeys/", body, format="json")


def test_marketing_creates_publishes_and_reads_a_journey(marketing_client):
    created = _create(marketing_client)
    assert created.status_code == 201, created.content
    journey_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    published = marketing_client.post(f"/api/v1/journeys/{journey_id}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "live" and published.json()["version"] == 1
    listed = marketing_client.get("/api/v1/journeys/?status=live").json()
    assert [row["id"] for row in listed["results"]] == [journey_id]


@pytest.mark.parametrize("role_fixture", ["cashier", "agent", "inventory_user"])
def test_other_roles_are_refused(api_as, request, role_fixture):
    client = api_as(request.getfixturevalue(role_fixture))
    assert client.get("/api/v1/journeys/").status_code == 403
    assert _create(client).status_code == 403


def test_anonymous_is_asked_to_log_in(api_client):
    assert api_client.get("/api/v1/journeys/").status_code in (401, 403)


def test_a_loop_without_a_wait_is_refused_at_publish_with_the_reason(marketing_client):
    steps = [
        {"key": "s1", "type": "send", "channel": "sms", "purpose": "marketing", "body": "A", "next": "b1"},
        {"key": "b1", "type": "branch", "condition": "clicked", "yes": "s1", "no": "s1"},
    ]
    journey_id = _create(marketing_client, steps=steps).json()["id"]
    answer = marketing_client.post(f"/api/v1/journeys/{journey_id}/publish/")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_journey"
    assert "Vòng lặp không có bước chờ" in " ".join(sum(error["fields"].values(), []))
    assert Journey.objects.get(pk=journey_id).status == "draft"


def test_a_send_step_without_purpose_is_refused(marketing_client):
    steps = [{"key": "s1", "type": "send", "channel": "sms", "body": "A"}]
    journey_id = _create(marketing_client, steps=steps).json()["id"]
    answer = marketing_client.post(f"/api/v1/journeys/{journey_id}/publish/")
    assert answer.status_code == 400 and "steps.s1" in answer.json()["error"]["fields"]


def test_a_journey_whose_entry_segment_was_deleted_is_refused(marketing_client):
    segment = Segment.objects.create(code="tam-thoi", name="Tạm thời", kind="custom")
    journey_id = _create(marketing_client, entry_kind="segment", entry_segment=segment.pk).json()["id"]
    segment.delete()
    answer = marketing_client.post(f"/api/v1/journeys/{journey_id}/publish/")
    assert answer.status_code == 400 and "entry_segment" in answer.json()["error"]["fields"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x", "holdout_percent": 90},
        {"name": "x", "entry_kind": "segment", "entry_segment": 999999},
        {"name": "x", "goal_kind": "order_above", "goal_amount": 0},
        {"name": "x", "entry_kind": "event", "entry_event": "nonsense"},
        {"name": "x", "steps": "not a list"},
    ],
)
def test_bad_settings_answer_400_with_the_field_and_create_nothing(marketing_client, body):
    answer = marketing_client.post("/api/v1/journeys/", body, format="json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["fields"]
    assert not Journey.objects.exists()


def test_unknown_journey_and_action_answer_404(marketing_client):
    assert marketing_client.get("/api/v1/journeys/999/").status_code == 404
    journey_id = _create(marketing_client).json()["id"]
    assert marketing_client.post(f"/api/v1/journeys/{journey_id}/explode/").status_code == 404


def test_dry_run_counts_who_would_enter_and_who_could_be_messaged(marketing_client):
    reachable = [reachable_customer(f"Đồng ý {i}") for i in range(3)]
    from customers.tests.factories import make_customer

    silent = [make_customer(f"Chưa đồng ý {i}") for i in range(2)]
    segment = segment_of(reachable + silent)
    journey_id = _create(marketing_client, entry_kind="segment", entry_segment=segment.pk).json()["id"]
    dry = marketing_client.get(f"/api/v1/journeys/{journey_id}/dry-run/").json()
    assert (dry["would_enter"], dry["could_message"], dry["lack_consent"]) == (5, 3, 2)


@freeze_time("2026-11-02 03:00:00")  # 10:00 in Ho Chi Minh City: outside the quiet hours
def test_manual_entry_and_stats(marketing_client):
    customers = [reachable_customer(f"Khách {i}") for i in range(3)]
    journey_id = _create(marketing_client).json()["id"]
    marketing_client.post(f"/api/v1/journeys/{journey_id}/publish/")
    entered = marketing_client.post(
        f"/api/v1/journeys/{journey_id}/enroll/", {"customers": [c.pk for c in customers]}, format="json"
    )
    assert entered.json() == {"entered": 3}
    from journeys.services import journeys_tick

    journeys_tick()
    stats = marketing_client.get(f"/api/v1/journeys/{journey_id}/stats/").json()
    assert stats["entered"] == 3 and stats["active"] == 3
    by_key = {step["key"]: step["figures"] for step in stats["steps"]}
    assert by_key["s1"]["sent"] == 3 and by_key["b1"]["waiting"] == 3
