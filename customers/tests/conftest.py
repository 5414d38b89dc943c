import pytest

from customers.tests.factories import ConsentTextFactory, make_customer


@pytest.fixture
def customer(db):
    return make_customer("Nguyễn Văn An", "0912345678", email="an@example.com")


@pytest.fixture
def marketing_text(db):
    return ConsentTextFactory(purpose="marketing", version="2026-01")


@pytest.fixture
def grant(marketing_text):
    from customers.services import consent_record

    def do(customer, channel="sms", purpose="marketing"):
        return consent_record(
            customer=customer, channel=channel, purpose=purpose, granted=True, source="store", text=marketing_text
        )

    return do
