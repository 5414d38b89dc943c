"""factory_boy factories. State is put in place through services where a rule is involved."""

from __future__ import annotations

import factory

from customers.models import ConsentText, Segment


class ConsentTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentText
        django_get_or_create = ("purpose", "version")

    purpose = "marketing"
    version = "1"
    body = "Tôi đồng ý nhận tin khuyến mãi."


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    code = factory.Sequence(lambda n: f"segment-{n}")
    name = factory.Sequence(lambda n: f"Phân khúc {n}")


_phone_counter = iter(range(10_000_000))


def new_phone() -> str:
    return f"09{next(_phone_counter):08d}"


def make_customer(name: str = "Nguyễn Văn An", phone: str | None = None, **identifiers):
    from customers.services import customer_resolve

    return customer_resolve(full_name=name, phone=phone or new_phone(), **identifiers).customer
