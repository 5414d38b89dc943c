from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Order, SalesChannel, Store


class OrderFilterForm(forms.Form):
    channel = forms.ModelChoiceField(
        SalesChannel.objects.order_by("code"),
        required=False,
        label=_("Kênh"),
        to_field_name="code",
        empty_label=_("Mọi kênh"),
    )
    status = forms.ChoiceField(
        choices=[("", _("Mọi trạng thái")), *Order.Status.choices], required=False, label=_("Trạng thái")
    )
    store = forms.ModelChoiceField(
        Store.objects.order_by("code"),
        required=False,
        label=_("Cửa hàng"),
        to_field_name="code",
        empty_label=_("Mọi cửa hàng"),
    )
    held = forms.BooleanField(required=False, label=_("Chỉ đơn chờ kiểm tra"))
    q = forms.CharField(required=False, label=_("Số đơn / mã trên kênh"), max_length=100)


class CheckInForm(forms.Form):
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    full_name = forms.CharField(label=_("Họ tên (không bắt buộc)"), max_length=200, required=False)


class CheckInConfirmForm(forms.Form):
    challenge = forms.CharField(max_length=32, widget=forms.HiddenInput)
    code = forms.RegexField(
        label=_("Mã xác nhận (6 số)"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Mã xác nhận gồm 6 chữ số.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class GoalsForm(forms.Form):
    channel = forms.ModelChoiceField(
        SalesChannel.objects.order_by("code"),
        label=_("Kênh"),
        to_field_name="code",
        empty_label=_("— Chọn kênh —"),
        error_messages={"required": _("Vui lòng chọn kênh."), "invalid_choice": _("Kênh này không tồn tại.")},
    )
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100, initial=lambda: timezone.localdate().year)
    start_month = forms.IntegerField(label=_("Từ tháng"), min_value=1, max_value=12, initial=1)
    revenue = forms.IntegerField(label=_("Doanh thu tháng đầu (₫)"), min_value=0)
    orders = forms.IntegerField(label=_("Số đơn tháng đầu"), min_value=0)
    new_customers = forms.IntegerField(label=_("Khách mới tháng đầu"), min_value=0)
    monthly_rise_percent = forms.IntegerField(label=_("Tăng mỗi tháng (%)"), min_value=-50, max_value=100, initial=5)
