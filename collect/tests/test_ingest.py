"""The Segment wire API: auth, limits, per-event rejections, dedupe, timestamps, eager processing."""

import datetime as dt
import gzip
import json

import pytest
from django.utils import timezone

from collect.models import RawEvent
from collect.testing import basic_auth, event, make_source
from customers.models import Activity


def identify(anon="anon-1", phone="0912345678", **fields):
    return event("identify", anon=anon, traits={"phone": phone, "name": "Nguyễn Văn An"}, **fields)


def timeline(kind=None):
    qs = Activity.objects.filter(ref_type="collect")
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@pytest.mark.django_db
def test_batch_is_accepted_and_on_the_timeline_when_the_request_returns(post, client, key):
    # given an anonymous visitor who views a product and then identifies
    events = [
        event("page", name="Trang chủ", properties={"url": "https://shop.vn/"}),
        event("track", event="Product Viewed", properties={"name": "Áo dài lụa"}),
        identify(),
    ]
    # when
    response = post(key, events)
    # then
    assert response.status_code == 200, response.content
    assert response.json() == {"success": True, "accepted": 3, "rejected": []}
    kinds = sorted(timeline().values_list("kind", flat=True))
    assert kinds == ["product_view", "web_visit"]
    row = timeline("product_view").get()
    assert row.channel == "website"
    assert row.customer.contact_points.filter(value="+84912345678").exists()


@pytest.mark.django_db
def test_wrong_or_revoked_key_answers_401_bad_write_key(post, source, key):
    from collect.services import source_revoke

    assert post("nope", [event()]).status_code == 401
    assert post("nope", [event()]).json()["error"]["code"] == "bad_write_key"
    source_revoke(source_id=source.pk)
    response = post(key, [event()])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_write_key"
    assert not RawEvent.objects.exists()


@pytest.mark.django_db
def test_write_key_in_the_body_is_accepted_as_segment_does(post, client, key):
    body = {"batch": [event()], "writeKey": key}
    response = client.post("/collect/v1/batch", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_batch_with_one_bad_event_keeps_the_others(post, client, key):
    events = [
        event("track", event="Product Added", messageId="m-1"),
        {"type": "track", "event": "Product Added", "messageId": "m-2"},  # no id at all
        event("track", messageId="m-3"),  # a track without a name
        event("track", event="Order Completed", messageId="m-4", properties={"revenue": 350000}),
        "not an object",
    ]
    events[2].pop("event", None)
    response = post(key, events)
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2
    assert [(r["index"], r["messageId"], r["code"]) for r in body["rejected"]] == [
        (1, "m-2", "missing_id"),
        (2, "m-3", "missing_event"),
        (4, None, "invalid_event"),
    ]
    assert all(r["message"] for r in body["rejected"])
    assert set(RawEvent.objects.values_list("message_id", flat=True)) == {"m-1", "m-4"}


@pytest.mark.django_db
def test_a_retried_batch_adds_nothing(post, client, key):
    events = [identify(messageId="i-1"), event("track", event="Product Added", messageId="a-1")]
    assert post(key, events).status_code == 200
    # when the library sends the same batch again (a timeout on its side)
    response = post(key, events)
    # then
    assert response.status_code == 200
    assert RawEvent.objects.count() == 2
    assert timeline("cart_add").count() == 1


@pytest.mark.django_db
def test_the_same_message_id_from_another_source_is_another_event(post, client, key):
    _source2, key2 = make_source("App", "app")
    post(key, [identify(messageId="same")])
    post(key2, [identify(messageId="same")])
    assert RawEvent.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "malformed"),
        (b"[1, 2]", "malformed"),
        (b'{"sentAt": "x"}', "invalid"),
    ],
)
def test_unreadable_requests_answer_400_with_the_error_body(post, client, key, body, code):
    response = client.post(
        "/collect/v1/batch", data=body, content_type="application/json", HTTP_AUTHORIZATION=basic_auth(key)
    )
    assert response.status_code == 400
    assert set(response.json()["error"]) >= {"code", "message", "fields"}
    if code != "invalid":
        assert response.json()["error"]["code"] == code


@pytest.mark.django_db
def test_oversize_event_and_batch(post, client, key):
    big = event("track", event="Product Viewed", properties={"blob": "x" * (33 * 1024)})
    response = post(key, [big, event("track", event="Product Viewed")])
    assert response.status_code == 200
    assert response.json()["accepted"] == 1
    assert response.json()["rejected"][0]["code"] == "event_too_large"
    # a single event too large is the request itself: 400
    response = post(key, big, path="/collect/v1/track")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "event_too_large"
    # over 500 KB in all
    many = [event("track", event="Product Viewed", properties={"blob": "y" * 20_000}) for _ in range(30)]
    response = post(key, many)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "batch_too_large"
    assert RawEvent.objects.count() == 1


@pytest.mark.django_db
def test_single_event_endpoints_refuse_what_segment_refuses(post, client, key):
    no_id = event("track", event="Product Viewed", anon="")
    response = post(key, no_id, path="/collect/v1/track")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_id"
    no_name = event("track")
    response = post(key, no_name, path="/collect/v1/track")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_event"
    ok = post(key, identify(), path="/collect/v1/identify")
    assert ok.json() == {"success": True, "accepted": 1, "rejected": []}
    page = post(key, {"anonymousId": "anon-1", "name": "Giỏ hàng"}, path="/collect/v1/page")
    assert page.status_code == 200
    assert timeline("web_visit").get().summary == "Giỏ hàng"


@pytest.mark.django_db
def test_gzip_bodies_are_read(post, client, key):
    body = gzip.compress(json.dumps({"batch": [identify()]}).encode())
    response = client.post(
        "/collect/v1/batch",
        data=body,
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
        HTTP_AUTHORIZATION=basic_auth(key),
    )
    assert response.status_code == 200
    assert response.json()["accepted"] == 1


@pytest.mark.django_db
def test_late_events_land_in_place_far_future_is_clamped_too_old_refused(post, client, key):
    now = timezone.now()
    late = event("track", event="Product Viewed", at=now - dt.timedelta(days=10), messageId="late")
    future = event("track", event="Product Added", at=now + dt.timedelta(days=400), messageId="future")
    ancient = event("track", event="Product Added", at=now - dt.timedelta(days=45), messageId="old")
    response = post(key, [identify(), late, future, ancient])
    assert response.json()["accepted"] == 3
    assert response.json()["rejected"][0]["code"] == "too_old"
    assert timeline("product_view").get().occurred_at == late_at(late)
    clamped = timeline("cart_add").get().occurred_at
    assert abs((clamped - now).total_seconds()) < 60


def late_at(e):
    return dt.datetime.fromisoformat(e["timestamp"])


@pytest.mark.django_db
def test_method_and_path_errors_are_clear(post, client, key):
    assert client.get("/collect/v1/batch").status_code == 405
    assert client.post("/collect/v1/nothing").status_code == 404


@pytest.mark.django_db
def test_a_burst_past_the_ip_limit_answers_429_with_retry_after_and_loses_nothing(post, client, key, settings):
    # given a limit of 250 events a minute per IP
    settings.COLLECT_EVENTS_PER_MINUTE_PER_IP = 250
    from django.core.cache import cache

    cache.clear()
    batches = [[identify(anon=f"a{b}-{i}", phone=f"09123{b:02d}{i:03d}") for i in range(100)] for b in range(3)]
    answers = [post(key, b) for b in batches]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2]["Retry-After"]
    assert answers[2].json()["error"]["code"] == "rate_limited"
    # when the limit window passes, the library sends it again
    cache.clear()
    assert post(key, batches[2]).status_code == 200
    assert RawEvent.objects.count() == 300
