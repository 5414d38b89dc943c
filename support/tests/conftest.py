import pytest

from customers.models import ConsentText
from o2o_site.roles import Role
from support import services

from .fakes import FakeServer


@pytest.fixture
def departments(db, make_user):
    lead = make_user(Role.AGENT, username="lead-warranty", first_name="Bảo", last_name="Trưởng")
    warranty = services.department_create(
        code="warranty", name="Bảo hành", response_minutes=30, resolution_minutes=24 * 60, lead=lead
    )
    delivery = services.department_create(code="delivery", name="Giao hàng", resolution_minutes=8 * 60)
    return {"warranty": warranty, "delivery": delivery, "lead": lead}


@pytest.fixture
def category(departments):
    return services.category_create(
        code="broken-phone", name="Điện thoại lỗi", department=departments["warranty"], resolution_minutes=120
    )


@pytest.fixture
def late_delivery(departments):
    return services.category_create(code="late-delivery", name="Giao hàng trễ", department=departments["delivery"])


def make_customer(name="Nguyễn Văn An", phone="+84912345678", **identifiers):
    from customers.services import customer_resolve

    return customer_resolve(full_name=name, phone=phone, source="test", **identifiers).customer


@pytest.fixture
def customer(db):
    return make_customer()


@pytest.fixture
def grant(db):
    from customers.services import consent_record

    text, _ = ConsentText.objects.get_or_create(
        purpose="marketing", version="2026-01", defaults={"body": "Tôi đồng ý nhận khuyến mãi."}
    )

    def do(customer, channel="sms", purpose="marketing"):
        return consent_record(
            customer=customer, channel=channel, purpose=purpose, granted=True, source="hotline", text=text
        )

    return do


@pytest.fixture
def ticket(customer, category, agent):
    return services.ticket_create(customer=customer, category=category, subject="Máy không lên nguồn", created_by=agent)


@pytest.fixture
def sms_server():
    with FakeServer(default=(200, {"id": "sms-1"})) as server:
        yield server


@pytest.fixture
def zns_server():
    with FakeServer(default=(200, {"error": 0, "message": "Success", "data": {"msg_id": "zns-1"}})) as server:
        yield server


@pytest.fixture
def gateways(settings, sms_server, zns_server):
    settings.CUSTOMERS_SMS_ADAPTER = "http"
    settings.CUSTOMERS_SMS_GATEWAY_URL = sms_server.url
    settings.CUSTOMERS_SMS_GATEWAY_TOKEN = "sms-token"
    settings.CUSTOMERS_ZNS_ADAPTER = "zalo"
    settings.CUSTOMERS_ZNS_URL = zns_server.url
    settings.CUSTOMERS_ZNS_ACCESS_TOKEN = "zns-token"
    settings.CUSTOMERS_HTTP_TIMEOUT = "3"
    return {"sms": sms_server, "zns": zns_server}


@pytest.fixture
def shopee_order(customer):
    """A Shopee order (with a marketplace id) for the demo customer, ingested through channels."""
    from channels.models import Product, SalesChannel, Store
    from channels.services import channel_locations_set, order_ingest, stock_receive

    shopee, _ = SalesChannel.objects.get_or_create(
        code="shopee", defaults={"name": "Shopee", "kind": SalesChannel.Kind.SHOPEE}
    )
    warehouse, _ = Store.objects.get_or_create(code="kho", defaults={"name": "Kho", "is_warehouse": True})
    channel_locations_set(channel=shopee, locations=[warehouse])  # Shopee ships from the warehouse
    product = Product.objects.create(name="Điện thoại A1")
    sku = product.skus.create(code="A1-BLK", base_price=5_000_000)
    stock_receive(sku=sku, location=warehouse, quantity=10)
    result = order_ingest(
        channel_code="shopee",
        payload={
            "external_id": "240511ABCXYZ",
            "status": "delivered",
            "placed_at": "2026-11-01T10:00:00+07:00",
            "customer": {"phone": "0912345678", "full_name": "Nguyễn Văn An"},
            "lines": [{"sku": "A1-BLK", "quantity": 1, "unit_price": 5_000_000}],
            "total": 5_000_000,
        },
    )
    return result.order


@pytest.fixture
def store_order(customer, make_user):
    """An in-store sale for the customer at a store."""
    from channels.models import SalesChannel, Store
    from channels.services import store_sale_create

    channel, _ = SalesChannel.objects.get_or_create(
        code="pos", defaults={"name": "Bán tại quầy", "kind": SalesChannel.Kind.STORE, "is_online": False}
    )
    store, _ = Store.objects.get_or_create(
        code="hn-01", defaults={"name": "Cửa hàng Hoàn Kiếm", "sales_channel": channel}
    )
    cashier = make_user(Role.CASHIER, stores=[store])
    return store_sale_create(
        store=store, cashier=cashier, customer=customer, lines=[], total=350_000, reference="POS-1"
    )


def count_queries(fn) -> int:
    """How many SQL statements `fn()` runs on the default connection."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)
