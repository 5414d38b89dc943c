"""The /c.js snippet in a real browser, on a retailer's page of another origin: page views,
UTM and click ids kept from landing, o2o.track, o2o.identify, sendBeacon, the consent switch."""

import http.server
import threading
import time

import pytest

from collect.models import RawEvent
from collect.testing import make_campaign, make_source
from customers.models import Activity, ContactPoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shop_page(live_server, key: str, extra: str = "", consent: str = "all") -> str:
    return f"""<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>
<script>window.o2o=window.o2o||{{q:[],track:function(){{o2o.q.push(["track",arguments])}},identify:function(){{o2o.q.push(["identify",arguments])}},consent:function(){{o2o.q.push(["consent",arguments])}}}};</script>
<script src="{live_server.url}/c.js" data-key="{key}" data-consent="{consent}"></script>
{extra}
</body></html>"""


@pytest.fixture
def shop():
    """The retailer's own site: a real HTTP server on 127.0.0.1 (another origin than the live
    server's localhost, both loopback, as Chrome's local network rules want)."""
    state = {"html": ""}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = state["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()


def serve_shop(shop, live_server, key, **options):
    shop["html"] = shop_page(live_server, key, **options)
    return shop["url"]


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_landing_browsing_and_identify_reach_one_timeline_with_the_ad_click(page, live_server, shop):
    # given a campaign and a website source whose page asks consent for everything
    campaign = make_campaign("tet-2027")
    _source, key = make_source("Shop", "website")
    SHOP = serve_shop(shop, live_server, key)
    # when a visitor lands from an ad, browses, and signs up with a phone
    page.goto(f"{SHOP}/tet?utm_source=google&utm_campaign=tet-2027&gclid=G-BROWSER")
    page.evaluate("o2o.track('Product Viewed', {name: 'Áo dài'})")
    page.evaluate("o2o.flush()")
    page.goto(f"{SHOP}/gio-hang")  # a later page: no UTM in the URL, the kept codes ride along
    page.evaluate("o2o.identify({phone: '0912345678', name: 'Lan'})")
    # then everything is on the person's timeline, with one ad click for the landing
    assert wait_for(lambda: ContactPoint.objects.filter(value="+84912345678").exists())
    customer = ContactPoint.objects.get(value="+84912345678").customer
    assert wait_for(lambda: Activity.objects.filter(customer=customer, kind="product_view").exists())
    page.evaluate("o2o.flush()")
    assert wait_for(lambda: Activity.objects.filter(customer=customer, kind="web_visit").count() == 2)
    clicks = Activity.objects.filter(customer=customer, kind="ad_click")
    assert clicks.count() == 1
    assert clicks.get().campaign_id == campaign.pk and clicks.get().data["gclid"] == "G-BROWSER"
    later = Activity.objects.filter(customer=customer, kind="web_visit").order_by("occurred_at").last()
    assert later.utm["utm_campaign"] == "tet-2027"
    # one first-party anonymous id for the whole visit
    cookies = {c["name"]: c["value"] for c in page.context.cookies(SHOP)}
    assert set(RawEvent.objects.values_list("anonymous_id", flat=True)) == {cookies["o2o_aid"]}


def test_nothing_is_sent_until_the_visitor_consents(page, live_server, shop):
    _source, key = make_source("Shop", "website")
    SHOP = serve_shop(shop, live_server, key, consent="pending")
    page.goto(f"{SHOP}/")
    page.evaluate("o2o.track('Product Viewed'); o2o.flush()")
    time.sleep(1)
    assert not RawEvent.objects.exists()
    # when the visitor accepts analytics only
    page.evaluate("o2o.consent({analytics: true, advertising: false}); o2o.flush()")
    assert wait_for(lambda: RawEvent.objects.filter(type="page").exists())
    sent = RawEvent.objects.get(type="page").payload["context"]["consent"]["categoryPreferences"]
    assert sent == {"Analytics": True, "Advertising": False}


def test_the_snippet_is_small_and_served_at_the_root(client):
    response = client.get("/c.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert len(response.content) < 8 * 1024
