import pytest

from channels import services
from channels.models import Listing, SalesChannel
from channels.tests.factories import ChannelFactory, SkuFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_inventory_sees_a_failed_listing_and_retries_it_on_a_small_screen(
    page, live_server, login, inventory_user, settings
):
    # given: Lazada set up (nothing answers at its address), one listing it refused
    settings.CHANNELS_CREDENTIALS = {
        "lazada": {"base_url": "http://127.0.0.1:9", "app_key": "1", "app_secret": "s", "access_token": "t"}
    }
    channel = ChannelFactory(code="lazada", name="Lazada", kind=SalesChannel.Kind.LAZADA)
    listing = services.listing_upsert(sku=SkuFactory(code="AO-XANH"), channel=channel)
    Listing.objects.filter(pk=listing.pk).update(
        sync_state=Listing.SyncState.FAILED, attempts=5, last_error="ApiCallLimit: vượt giới hạn gọi API"
    )
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, inventory_user)
    # when
    page.goto(f"{live_server.url}/channels/sync/")
    # then
    assert page.get_by_text("ApiCallLimit: vượt giới hạn gọi API").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    # when
    page.get_by_role("button", name="Thử lại").click()
    page.wait_for_load_state("networkidle")
    # then
    assert page.get_by_text("Không có tin đăng nào bị lỗi").is_visible()
    assert Listing.objects.get(pk=listing.pk).sync_state != Listing.SyncState.FAILED
