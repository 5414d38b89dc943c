from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Source


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Tên nguồn"), max_length=100)
    kind = forms.ChoiceField(label=_("Loại"), choices=Source.Kind.choices)
    consent_default = forms.ChoiceField(
        label=_("Khi sự kiện không kèm đồng ý"),
        choices=Source.ConsentDefault.choices,
        initial=Source.ConsentDefault.ANALYTICS,
    )
