"""Listing pushes under faults (issue 13): retries are visible with their error and next try,
a batch's lease is seconds and renewed while the push runs, an unchanged version is not re-sent."""

import datetime as dt
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from channels import services
from channels.models import Listing

from .factories import SkuFactory
from .fakeserver import FakePlatform


def _lazada(settings, url):
    settings.CHANNELS_CREDENTIALS = {
        "lazada": {"base_url": url, "app_key": "1", "app_secret": "s", "access_token": "t"}
    }


@pytest.mark.django_db
def test_a_retrying_listing_shows_attempts_last_error_and_next_try(warehouse, lazada, settings, client, inventory_user):
    # given: Lazada refuses the push once
    with FakePlatform(respond=lambda req: {"code": "E0001", "message": "Hệ thống bận"}) as fake:
        _lazada(settings, fake.url)
        listing = services.listing_upsert(sku=SkuFactory(code="AO-RETRY"), channel=lazada)
        services.listings_push_channel(channel_id=lazada.pk)
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.PENDING and listing.attempts == 1
    # when
    client.force_login(inventory_user)
    page = client.get("/channels/sync/").content.decode()
    # then: it is on the screen at once, not only after the last attempt
    assert "Đang thử lại" in page and "AO-RETRY" in page and "Hệ thống bận" in page
    assert timezone.localtime(listing.next_attempt_at).strftime("%H:%M:%S") in page


@pytest.mark.django_db
def test_a_claimed_batch_is_leased_for_seconds_not_minutes(warehouse, lazada, settings):
    # given: a push that dies inside the adapter (the worker was killed there)
    settings.CHANNELS_SYNC_PUSH_LEASE_SECONDS = 20
    listing = services.listing_upsert(sku=SkuFactory(), channel=lazada)
    _lazada(settings, "http://127.0.0.1:9")
    from channels.adapters.lazada import LazadaAdapter

    def killed(self, items):
        raise SystemExit("worker killed")

    saved = LazadaAdapter._push
    LazadaAdapter._push = killed
    try:
        with pytest.raises(SystemExit):
            services.listings_push_channel(channel_id=lazada.pk)
    finally:
        LazadaAdapter._push = saved
    # then: due again within the lease
    listing.refresh_from_db()
    assert listing.next_attempt_at - timezone.now() <= dt.timedelta(seconds=20)


class SlowPlatform:
    def __init__(self, delay: float):
        self.delay, self.calls = delay, 0
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                platform.calls += 1
                time.sleep(platform.delay)
                body = b'{"code": "0"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_lease_is_renewed_while_a_slow_push_runs(warehouse, lazada, settings):
    # given: a 2 s lease and a marketplace taking 3 s to answer
    settings.CHANNELS_SYNC_PUSH_LEASE_SECONDS = 2
    with services.push_deferred():  # pending, pushed only by the pusher below
        listing = services.listing_upsert(sku=SkuFactory(), channel=lazada)
    seen = []
    with SlowPlatform(delay=3) as platform:
        _lazada(settings, platform.url)
        pusher = threading.Thread(target=services.listings_push_channel, kwargs={"channel_id": lazada.pk})
        pusher.start()
        time.sleep(0.5)
        seen.append(Listing.objects.get(pk=listing.pk).next_attempt_at)
        time.sleep(1.8)
        seen.append(Listing.objects.get(pk=listing.pk).next_attempt_at)
        # a second pusher meanwhile finds nothing due: the lease still holds
        second = services.listings_push_channel(channel_id=lazada.pk)
        pusher.join(timeout=20)
    # then: renewed while it ran, never pushed twice, in sync at the end
    assert seen[1] > seen[0]
    assert second.pushed == 0 and platform.calls == 1
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.IN_SYNC


@pytest.mark.django_db
def test_re_pushing_an_unchanged_version_is_skipped(warehouse, lazada, settings):
    # given: a listing pushed once
    with FakePlatform(respond=lambda req: {"code": "0"}) as fake:
        _lazada(settings, fake.url)
        listing = services.listing_upsert(sku=SkuFactory(), channel=lazada)
        services.listings_push_channel(channel_id=lazada.pk)
        assert len(fake.requests) == 1
        # when: it is marked pending again with nothing changed (a retry, a replayed event)
        Listing.objects.filter(pk=listing.pk).update(sync_state=Listing.SyncState.PENDING)
        report = services.listings_push_channel(channel_id=lazada.pk)
    # then
    assert len(fake.requests) == 1 and report.skipped_unchanged == 1
    listing.refresh_from_db()
    assert listing.sync_state == Listing.SyncState.IN_SYNC
