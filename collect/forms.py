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


class LeadFormForm(forms.Form):
    """The public lead form. `website` is the honeypot (hidden from people, filled by bots)."""

    full_name = forms.CharField(label=_("Họ tên"), max_length=200)
    phone = forms.CharField(label=_("Số điện thoại"), max_length=30, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    store = forms.ChoiceField(label=_("Cửa hàng gần bạn"), required=False)
    interest = forms.ChoiceField(label=_("Bạn quan tâm"), required=False)
    consent = forms.BooleanField(label=_("Tôi đồng ý nhận tin"), required=False, initial=False)
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, stores=(), interests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("— Không chọn —"))] + [(s.code, s.name) for s in stores]
        self.fields["interest"].choices = [("", _("— Chọn —"))] + [(i, i) for i in interests]
        if not stores:
            del self.fields["store"]
        if not interests:
            del self.fields["interest"]
