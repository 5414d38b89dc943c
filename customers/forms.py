from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AccessLog, ContactChannel, ContactKind, Lifecycle, Purpose


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Tìm"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Tên, số điện thoại, email, mã Zalo…"), "autofocus": True}),
    )
    segment = forms.ChoiceField(label=_("Phân khúc"), required=False)
    store = forms.CharField(label=_("Cửa hàng"), required=False, max_length=50)
    lifecycle = forms.ChoiceField(
        label=_("Vòng đời"), required=False, choices=[("", _("Tất cả"))] + list(Lifecycle.choices)
    )

    def __init__(self, *args, segments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", _("Tất cả"))] + [(s.code, s.name) for s in segments]


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Kênh"), choices=ContactChannel.choices)
    purpose = forms.ChoiceField(label=_("Mục đích"), choices=Purpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Quyết định"),
        choices=[("1", _("Đồng ý")), ("0", _("Rút đồng ý"))],
        coerce=lambda v: v == "1",
    )
    source = forms.ChoiceField(
        label=_("Nguồn"),
        choices=[("hotline", _("Tổng đài")), ("store", _("Tại cửa hàng")), ("staff", _("Nhân viên nhập"))],
    )
    evidence = forms.CharField(
        label=_("Bằng chứng"),
        required=False,
        max_length=2000,
        help_text=_("Ví dụ: mã cuộc gọi ghi âm, số phiếu đăng ký có chữ ký."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ContactAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=ContactKind.choices)
    value = forms.CharField(label=_("Giá trị"), max_length=254)


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp CSV"))


class AccessLogFilterForm(forms.Form):
    """Filters of the Manager's access-log screen; every field optional."""

    user = forms.CharField(label=_("Người xem (tên đăng nhập)"), required=False, max_length=150)
    customer = forms.IntegerField(label=_("Mã khách hàng"), required=False, min_value=1, max_value=2**62)
    action = forms.ChoiceField(
        label=_("Thao tác"), required=False, choices=[("", _("Tất cả"))] + AccessLog.Action.choices
    )
    source = forms.CharField(label=_("Màn hình / endpoint"), required=False, max_length=100)
    since = forms.DateField(label=_("Từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("Ngày kết thúc phải sau ngày bắt đầu."))
        return data
