import django_filters

from customers.models import Activity, Customer, Lifecycle


class CustomerFilter(django_filters.FilterSet):
    """Query parameters of the customer list; the selector applies them."""

    q = django_filters.CharFilter(method="noop", max_length=200)
    segment = django_filters.CharFilter(method="noop", max_length=50)
    store = django_filters.CharFilter(method="noop", max_length=50)
    lifecycle = django_filters.ChoiceFilter(choices=Lifecycle.choices, method="noop")

    class Meta:
        model = Customer
        fields: list[str] = []

    def noop(self, queryset, name, value):
        return queryset


class ActivityFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=Activity.Kind.choices)
    channel = django_filters.CharFilter(max_length=50)

    class Meta:
        model = Activity
        fields = ["kind", "channel"]
