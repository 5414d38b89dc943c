import pytest

from customers import demo
from customers.models import ContactPoint, Customer

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(monkeypatch):
    monkeypatch.setattr(demo, "TOTAL", 60)
    lines = []
    demo.seed(lines.append)
    count = Customer.objects.count()
    demo.seed(lines.append)
    assert Customer.objects.count() == count >= 60
    assert "đã có sẵn" in lines[-1]
    assert ContactPoint.objects.filter(kind="phone", is_blocked=False).count() >= 60
