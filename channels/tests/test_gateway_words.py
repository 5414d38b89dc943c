"""A marketplace's own words are honoured (issue 13): 429/503 with Retry-After (seconds or an
HTTP date) is waited out — no listing of that channel is pushed again before it."""

import datetime as dt
import email.utils
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from freezegun import freeze_time

from channels import services
from channels.models import Listing

from .factories import SkuFactory

pytestmark = pytest.mark.django_db


class ThrottlingPlatform:
    """A local marketplace answering every call `status` with `Retry-After: <retry_after>`."""

    def __init__(self, status: int, retry_after: str):
        self.status, self.retry_after, self.calls = status, retry_after, []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                platform.calls.append((timezone.now(), self.path))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = b'{"code": "ApiCallLimit", "message": "Too many requests"}'
                self.send_response(platform.status)
                self.send_header("Retry-After", platform.retry_after)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_a_429_with_retry_after_is_waited_out_for_every_listing_of_the_channel(warehouse, lazada, settings, form):
    # given: Lazada answers 429 Retry-After 120 s; two listings wait to be pushed (batch of one)
    now = timezone.now()
    wait = "120" if form == "seconds" else email.utils.format_datetime(now + dt.timedelta(seconds=120), usegmt=True)
    settings.CHANNELS_SYNC_BATCHES_PER_RUN = 5
    with ThrottlingPlatform(429, wait) as platform:
        settings.CHANNELS_CREDENTIALS = {
            "lazada": {"base_url": platform.url, "app_key": "1", "app_secret": "s", "access_token": "t"}
        }
        first, second = (services.listing_upsert(sku=SkuFactory(), channel=lazada) for _ in range(2))
        from channels.adapters.lazada import LazadaAdapter

        LazadaAdapter.batch_size, saved = 1, LazadaAdapter.batch_size
        try:
            # when: the push meets the 429, then the periodic runs come at 60 s and at 121 s
            services.listings_push_channel(channel_id=lazada.pk)
            calls_after_429 = len(platform.calls)
            with freeze_time(now + dt.timedelta(seconds=60)):
                services.listings_push_channel(channel_id=lazada.pk)
                at_60 = len(platform.calls)
            with freeze_time(now + dt.timedelta(seconds=121)):
                services.listings_push_channel(channel_id=lazada.pk)
                at_121 = len(platform.calls)
        finally:
            LazadaAdapter.batch_size = saved
    # then: one call, then nothing until the channel's 120 s (our backoff alone says 30 s)
    assert calls_after_429 == 1
    assert at_60 == 1
    assert at_121 > 1
    for listing in (first, second):
        listing.refresh_from_db()
        assert listing.sync_state == Listing.SyncState.PENDING
    first.refresh_from_db()
    assert "429" in first.last_error
