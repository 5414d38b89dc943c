"""django-filter sets for the promotions screens."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .codes import normalize_code
from .models import Voucher


class VoucherScreenFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(label=_("Mã"), method="filter_code")
    kind = django_filters.ChoiceFilter(label=_("Loại"), choices=Voucher.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=Voucher.Status.choices)
    campaign = django_filters.NumberFilter(label=_("Chiến dịch"))

    class Meta:
        model = Voucher
        fields = ["code", "kind", "status", "campaign"]

    def filter_code(self, qs, name, value):
        return qs.filter(code__startswith=normalize_code(value))
