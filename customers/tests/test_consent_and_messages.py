"""Consent gates marketing (not service) messages; messages are sent exactly once, with retries."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from freezegun import freeze_time

from customers.models import ConsentEvent, Message
from customers.services import (
    ConsentRequired,
    consent_record,
    customer_can_contact,
    message_deliver,
    message_send,
    messages_retry_due,
)
from o2o_site.api import DomainError

pytestmark = pytest.mark.django_db


def test_silence_is_never_consent(customer):
    for channel in ("sms", "zns", "email", "call"):
        assert customer_can_contact(customer, channel, "marketing") is False


def test_consent_is_per_channel_and_withdrawal_is_one_step(customer, grant):
    # given
    grant(customer, "zns", "marketing")
    assert customer_can_contact(customer, "zns", "marketing")
    # when
    consent_record(customer=customer, channel="zns", purpose="marketing", granted=False, source="hotline")
    # then
    assert not customer_can_contact(customer, "zns", "marketing")
    assert ConsentEvent.objects.filter(customer=customer).count() == 2  # history kept


def test_a_grant_needs_proof(customer):
    with pytest.raises(DomainError) as error:
        consent_record(customer=customer, channel="sms", purpose="marketing", granted=True, source="web")
    assert "evidence" in error.value.fields


def test_marketing_message_needs_consent_service_message_does_not(
    customer, grant, django_capture_on_commit_callbacks, settings
):
    settings.CUSTOMERS_SMS_ADAPTER = "console"
    with pytest.raises(ConsentRequired):
        message_send(customer=customer, channel="sms", purpose="marketing", body="Giảm 10%", idempotency_key="mk-1")
    with django_capture_on_commit_callbacks(execute=True):
        service = message_send(
            customer=customer, channel="sms", purpose="service", body="Yêu cầu đã xử lý", idempotency_key="sv-1"
        )
    grant(customer, "sms", "marketing")
    with django_capture_on_commit_callbacks(execute=True):
        marketing = message_send(
            customer=customer, channel="sms", purpose="marketing", body="Giảm 10%", idempotency_key="mk-2"
        )
    assert Message.objects.get(pk=service.pk).status == "sent"
    assert Message.objects.get(pk=marketing.pk).status == "sent"


def test_service_message_respects_an_explicit_withdrawal(customer):
    consent_record(customer=customer, channel="sms", purpose="service", granted=False, source="hotline")
    assert not customer_can_contact(customer, "sms", "service")


def test_message_falls_back_to_a_channel_with_consent(customer, grant):
    grant(customer, "sms", "marketing")
    message = message_send(
        customer=customer,
        channel="zns",
        purpose="marketing",
        template_id="123",
        params={"name": "An"},
        idempotency_key="fb-1",
        fallback_channel="sms",
        body="Ưu đãi",
    )
    assert message.channel == "sms"


class FakeGateway:
    """A local SMS gateway: fails the first `fail_first` requests with `fail_status` (500; 429 with
    a `Retry-After: <retry_after>` header when given), dedups on Idempotency-Key."""

    def __init__(
        self, fail_first: int = 1, zalo: bool = False, delay: float = 0.0, fail_status: int = 500, retry_after=None
    ):
        self.fail_first, self.zalo, self.delay = fail_first, zalo, delay
        self.fail_status, self.retry_after = fail_status, retry_after
        self.requests: list[dict] = []
        self.delivered: dict[str, dict] = {}
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(gateway.delay)
                gateway.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                if len(gateway.requests) <= gateway.fail_first:
                    self.send_response(gateway.fail_status)
                    if gateway.retry_after is not None:
                        self.send_header("Retry-After", gateway.retry_after)
                    self.end_headers()
                    self.wfile.write(b'{"error": "busy"}')
                    return
                key = self.headers.get("Idempotency-Key") or body.get("tracking_id")
                gateway.delivered.setdefault(key, body)
                answer = (
                    {"error": 0, "message": "Success", "data": {"msg_id": f"zns-{len(gateway.delivered)}"}}
                    if gateway.zalo
                    else {"id": f"sms-{len(gateway.delivered)}"}
                )
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_message_retry_after_a_gateway_error_sends_exactly_once(customer, settings, django_capture_on_commit_callbacks):
    with FakeGateway(fail_first=1) as gateway:
        # given
        settings.CUSTOMERS_SMS_ADAPTER = "http"
        settings.CUSTOMERS_SMS_GATEWAY_URL = gateway.url
        settings.CUSTOMERS_SMS_GATEWAY_TOKEN = "secret"
        # when: the first attempt (after commit) meets a 500
        with django_capture_on_commit_callbacks(execute=True):
            message = message_send(
                customer=customer, channel="sms", purpose="service", body="Đơn đã giao", idempotency_key="ord-1:done"
            )
        message.refresh_from_db()
        assert message.status == "pending" and message.attempts == 1 and "500" in message.last_error
        # and the periodic retry runs once the backoff has passed (twice, as a broker might)
        with freeze_time(timezone.now() + timedelta(hours=1)):
            assert messages_retry_due() == 1
            message_deliver(message_id=message.pk)
        # then
        message.refresh_from_db()
        assert message.status == "sent" and message.attempts == 2 and message.provider_id == "sms-1"
        assert len(gateway.delivered) == 1
        assert len(gateway.requests) == 2
        assert {r["headers"]["idempotency-key"] for r in gateway.requests} == {"ord-1:done"}
        assert gateway.requests[-1]["headers"]["authorization"] == "Bearer secret"
        assert gateway.requests[-1]["body"]["to"] == "84912345678"


def test_message_fails_after_the_last_attempt(customer, settings):
    with FakeGateway(fail_first=100) as gateway:
        settings.CUSTOMERS_SMS_ADAPTER = "http"
        settings.CUSTOMERS_SMS_GATEWAY_URL = gateway.url
        settings.CUSTOMERS_MESSAGE_MAX_ATTEMPTS = 2
        message = message_send(customer=customer, channel="sms", purpose="service", body="x", idempotency_key="k")
        message_deliver(message_id=message.pk)
        with freeze_time(timezone.now() + timedelta(hours=1)):
            message_deliver(message_id=message.pk)
        message.refresh_from_db()
        assert message.status == "failed" and message.attempts == 2
        message_deliver(message_id=message.pk)
        assert len(gateway.requests) == 2


def test_zalo_zns_adapter_sends_the_template_to_the_phone(customer, settings, grant):
    with FakeGateway(fail_first=0, zalo=True) as gateway:
        settings.CUSTOMERS_ZNS_ADAPTER = "zalo"
        settings.CUSTOMERS_ZNS_URL = gateway.url
        settings.CUSTOMERS_ZNS_ACCESS_TOKEN = "tok"
        message = message_send(
            customer=customer,
            channel="zns",
            purpose="service",
            template_id="2456",
            params={"order": "SO-1", "amount": 150000},
            idempotency_key="zns-1",
        )
        message_deliver(message_id=message.pk)
        message.refresh_from_db()
        assert message.status == "sent" and message.provider_id == "zns-1"
        request = gateway.requests[0]
        assert request["headers"]["access_token"] == "tok"
        assert request["body"] == {
            "phone": "84912345678",
            "template_id": "2456",
            "template_data": {"order": "SO-1", "amount": "150000"},
            "tracking_id": "zns-1",
        }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_message_send_it_once(settings, monkeypatch):
    from django.db import connection

    from customers import services
    from customers.services import customer_resolve

    with FakeGateway(fail_first=0, delay=0.3) as gateway:
        # given: a pending message whose task two workers picked up at once
        settings.CUSTOMERS_SMS_ADAPTER = "http"
        settings.CUSTOMERS_SMS_GATEWAY_URL = gateway.url
        monkeypatch.setattr(services, "_enqueue_delivery", lambda message_id: None)
        customer = customer_resolve(full_name="Hai Worker", phone="0966000111").customer
        message = message_send(customer=customer, channel="sms", purpose="service", body="x", idempotency_key="w-1")
        barrier = threading.Barrier(2)
        outcomes = []

        def work():
            try:
                barrier.wait(timeout=10)
                outcomes.append(message_deliver(message_id=message.pk))
            finally:
                connection.close()

        # when
        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # then: the row lock (skip_locked) let only one of them call the gateway
        assert sorted(outcomes) == ["sent", "skipped"]
        assert len(gateway.requests) == 1


@pytest.mark.parametrize("zalo", [False, True], ids=["sms", "zns"])
@pytest.mark.parametrize("header_form", ["seconds", "http-date"])
def test_a_gateway_saying_429_retry_after_is_not_called_again_before_it(customer, settings, zalo, header_form):
    import email.utils

    # given: a gateway that answers 429 with Retry-After: 120 s (as seconds or as an HTTP date)
    wait = (
        "120"
        if header_form == "seconds"
        else email.utils.format_datetime(timezone.now() + timedelta(seconds=120), usegmt=True)
    )
    with FakeGateway(fail_first=1, zalo=zalo, fail_status=429, retry_after=wait) as gateway:
        settings.CUSTOMERS_SMS_ADAPTER = "http"
        settings.CUSTOMERS_SMS_GATEWAY_URL = gateway.url
        settings.CUSTOMERS_ZNS_ADAPTER = "zalo"
        settings.CUSTOMERS_ZNS_URL = gateway.url
        channel = "zns" if zalo else "sms"
        message = message_send(
            customer=customer,
            channel=channel,
            purpose="service",
            body="Đơn đã giao",
            template_id="t-1",
            params={"order": "A-1"},
            idempotency_key="ord-9:done",
        )
        started = timezone.now()
        # when: the first attempt meets the 429, then the periodic retry and stray deliveries come
        message_deliver(message_id=message.pk)
        message.refresh_from_db()
        at_119 = messages_retry_due(now=started + timedelta(seconds=119))
        with freeze_time(started + timedelta(seconds=100)):
            early = message_deliver(message_id=message.pk)
        assert len(gateway.requests) == 1
        with freeze_time(started + timedelta(seconds=121)):
            due = messages_retry_due(now=started + timedelta(seconds=121))  # delivers (eager tasks)
        # then: nothing before the gateway's 120 s (our own backoff would have said 30 s)
        assert message.next_attempt_at >= started + timedelta(seconds=118)
        assert at_119 == 0 and early == "skipped"
        message.refresh_from_db()
        assert due == 1 and message.status == "sent" and len(gateway.requests) == 2
        # the same provider key both times, so a lost answer is never a second SMS or push
        keys = {r["headers"].get("idempotency-key") or r["body"].get("tracking_id") for r in gateway.requests}
        assert keys == {"ord-9:done"}


def test_with_no_gateway_a_message_is_not_configured_never_sent(customer, django_capture_on_commit_callbacks, settings):
    # given: no SMS gateway and no console adapter chosen
    settings.CUSTOMERS_SMS_ADAPTER = ""
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(
            customer=customer, channel="sms", purpose="service", body="Đơn đã sẵn sàng", idempotency_key="nc-1"
        )
    # then
    message.refresh_from_db()
    assert message.status == Message.Status.NOT_CONFIGURED
    assert message.sent_at is None and "Chưa cấu hình" in message.last_error
