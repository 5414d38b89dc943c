import factory

from channels.models import SKU, Product, SalesChannel, Store


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"st{n:02d}")
    name = factory.Sequence(lambda n: f"Cửa hàng {n}")
    province = "Hà Nội"


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesChannel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ch{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    kind = SalesChannel.Kind.WEBSITE


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Sản phẩm {n}")


class SkuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SKU

    product = factory.SubFactory(ProductFactory)
    code = factory.Sequence(lambda n: f"SKU-{n:05d}")
    barcode = factory.Sequence(lambda n: f"893{n:010d}")
    base_price = 100_000
