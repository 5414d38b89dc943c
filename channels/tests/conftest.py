import pytest

from channels import services
from channels.models import SalesChannel

from .factories import ChannelFactory, SkuFactory, StoreFactory


@pytest.fixture
def warehouse(db):
    return StoreFactory(code="kho-hn", name="Kho Hà Nội", is_warehouse=True)


@pytest.fixture
def store(db):
    return StoreFactory(code="hn-01", name="Cửa hàng Hoàn Kiếm")


@pytest.fixture
def shopee(db, warehouse):
    """Shopee, fulfilled from the warehouse (as marketplaces are)."""
    channel = ChannelFactory(code="shopee", name="Shopee", kind=SalesChannel.Kind.SHOPEE)
    services.channel_locations_set(channel=channel, locations=[warehouse])
    return channel


@pytest.fixture
def lazada(db, warehouse):
    channel = ChannelFactory(code="lazada", name="Lazada", kind=SalesChannel.Kind.LAZADA)
    services.channel_locations_set(channel=channel, locations=[warehouse])
    return channel


@pytest.fixture
def website(db, warehouse):
    channel = ChannelFactory(code="website", name="Website", kind=SalesChannel.Kind.WEBSITE)
    services.channel_locations_set(channel=channel, locations=[warehouse])
    return channel


@pytest.fixture
def pos(db):
    return ChannelFactory(code="pos", name="Bán tại quầy", kind=SalesChannel.Kind.STORE, is_online=False)


@pytest.fixture
def sku(db):
    return SkuFactory(code="AO-001", base_price=199_000)


@pytest.fixture
def stocked(sku, warehouse):
    """`stocked(quantity)` → the sku with that many units in the warehouse."""

    def make(quantity: int, location=None, the_sku=None):
        services.stock_receive(sku=the_sku or sku, location=location or warehouse, quantity=quantity)
        return the_sku or sku

    return make


def order_payload(external_id="SP-1", sku="AO-001", quantity=1, status="pending", updated_at=None, **extra):
    payload = {
        "external_id": external_id,
        "status": status,
        "placed_at": "2026-11-20T10:00:00+07:00",
        "customer": {"phone": "0912345678", "full_name": "Nguyễn Văn An"},
        "lines": [{"sku": sku, "quantity": quantity, "unit_price": 199_000}],
        "total": 199_000 * quantity,
    }
    if updated_at:
        payload["updated_at"] = updated_at
    payload.update(extra)
    return payload
