import pytest

from channels import services
from channels.models import CheckIn, Order, SalesChannel
from channels.tests.conftest import order_payload
from channels.tests.factories import ChannelFactory, SkuFactory, StoreFactory
from customers.models import Activity, Message
from o2o_site.roles import Role


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_whole_pickup_path_on_a_phone(page, live_server, login, make_user, settings):
    # given: a website order to collect at Hoàn Kiếm, the SMS gateway is the console (make run)
    settings.CUSTOMERS_SMS_ADAPTER = "console"
    store = StoreFactory(code="hn-01", name="Cửa hàng Hoàn Kiếm")
    ChannelFactory(code="website", name="Website", kind=SalesChannel.Kind.WEBSITE)
    sku = SkuFactory(code="AO-001")
    services.stock_receive(sku=sku, location=store, quantity=3)
    number = services.order_ingest(
        channel_code="website", payload=order_payload(external_id="W-1", fulfilment="pickup", store="hn-01")
    ).order.number
    cashier = make_user(Role.CASHIER, stores=[store])
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, cashier)
    # when: the store opens its task list and marks the order picked
    page.goto(f"{live_server.url}/channels/pickups/")
    task = page.locator(f"article[data-order='{number}']")
    assert task.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    task.get_by_role("button", name="Đã soạn xong — báo khách đến nhận").click()
    page.wait_for_load_state("networkidle")
    # then: it waits for the customer, who got one notice with the code
    order = Order.objects.get(number=number)
    assert order.status == Order.Status.READY_FOR_PICKUP
    assert page.locator(f"article[data-order='{number}'] code").inner_text() == order.pickup_code
    services.pickup_mark_ready(order=order, by=cashier)  # a second "ready" (another device)
    # (ZNS has no gateway here: that row says "not configured", and the SMS fallback went out)
    notices = Message.objects.filter(ref_type="order", ref_id=number)
    assert sorted(notices.values_list("channel", "status")) == [("sms", "sent"), ("zns", "not_configured")]
    assert order.pickup_code in notices.get(channel="sms").body
    # when: the customer shows the code at the counter
    page.fill("#pickup-code", order.pickup_code.lower())
    page.get_by_role("button", name="Giao hàng cho khách").click()
    page.wait_for_load_state("networkidle")
    # then: collected, the visit is on the timeline, the cashier screen one tap away
    assert page.get_by_text(f"Đã giao đơn {number}").is_visible()
    assert page.get_by_role("link", name="Mở màn hình thu ngân (ưu đãi, bán thêm)").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    order.refresh_from_db()
    assert order.status == Order.Status.COLLECTED
    assert CheckIn.objects.filter(customer=order.customer, store=store, method=CheckIn.Method.PICKUP).count() == 1
    assert Activity.objects.filter(customer=order.customer, kind="checkin", store_code="hn-01").exists()
    # and a second scan of the same code is refused on screen
    page.fill("#pickup-code", order.pickup_code)
    page.get_by_role("button", name="Giao hàng cho khách").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("đã được nhận lúc").is_visible()
