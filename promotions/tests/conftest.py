import pytest

from o2o_site.roles import Role

from .factories import make_channel, make_customer, make_store


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache: every test starts with none.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def store_a(db):
    return make_store("q1", name="Cửa hàng Quận 1")


@pytest.fixture
def store_b(db):
    return make_store("q3", name="Cửa hàng Quận 3")


@pytest.fixture
def website(db):
    return make_channel("website", "website")


@pytest.fixture
def cashier_a(make_user, store_a):
    return make_user(Role.CASHIER, username="thu-ngan-a", stores=[store_a])


@pytest.fixture
def cashier_b(make_user, store_b):
    return make_user(Role.CASHIER, username="thu-ngan-b", stores=[store_b])


@pytest.fixture
def customer(db):
    return make_customer("Nguyễn Văn An", "0912345678")
