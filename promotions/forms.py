"""The cashier screen's input: what was typed at the counter, turned into the engine's Basket."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from o2o_site.api import DomainError
from o2o_site.money import AmountError, parse_vnd

from .pricing import MAX_AMOUNT, Basket, basket_from_payload

# "SKU-123 2", "SKU-123, 2", "SKU-123 x 2", "8931234567890*3" or just "SKU-123" (one unit).
_LINE = re.compile(r"^\s*(?P<sku>\S+?)(?:(?:\s*[,;×*]\s*|\s+[xX×]\s*|\s+)(?P<qty>\d{1,5}))?\s*$")


class CounterForm(forms.Form):
    code = forms.CharField(label=_l("Mã voucher"), required=False, max_length=200)
    total = forms.CharField(label=_l("Tổng tiền (₫)"), required=False, max_length=60)
    lines = forms.CharField(label=_l("Hàng hóa"), required=False, widget=forms.Textarea, max_length=5000)
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    trade_in = forms.BooleanField(label=_l("Có thu cũ đổi mới"), required=False)
    idempotency_key = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def clean_total(self) -> int | None:
        raw = (self.cleaned_data.get("total") or "").strip()
        if not raw:
            return None
        try:
            value = parse_vnd(raw)
        except AmountError as exc:
            raise forms.ValidationError(exc.message)
        if value <= 0:
            raise forms.ValidationError(_("Tổng tiền phải lớn hơn 0 ₫."))
        if value > MAX_AMOUNT:
            raise forms.ValidationError(_("Số tiền quá lớn."))
        return value

    def clean_lines(self) -> list[dict]:
        out, bad = [], []
        for number, raw in enumerate((self.cleaned_data.get("lines") or "").splitlines(), start=1):
            if not raw.strip():
                continue
            match = _LINE.match(raw)
            if not match:
                bad.append(str(number))
                continue
            out.append({"sku": match["sku"], "quantity": int(match["qty"] or 1)})
        if bad:
            raise forms.ValidationError(
                _("Không hiểu dòng %(n)s: mỗi dòng là mã SKU hoặc mã vạch, rồi số lượng (ví dụ: SKU-123 2).")
                % {"n": ", ".join(bad)}
            )
        return out

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("lines") and data.get("total") is None and not data.get("code"):
            raise forms.ValidationError(_("Nhập mã voucher, tổng tiền hoặc các dòng hàng."))
        return data

    @property
    def code_only(self) -> bool:
        """A scanned code with nothing else yet: check the code, then ask for the total."""
        data = self.cleaned_data
        return bool(data.get("code")) and not data.get("lines") and data.get("total") is None

    def basket(self) -> Basket:
        """The engine's basket; unknown SKUs come back as form errors, never as a crash."""
        data = self.cleaned_data
        payload = {"lines": data["lines"]} if data.get("lines") else {"total": data.get("total") or 0}
        if data.get("trade_in"):
            payload["trade_in"] = True
        try:
            return basket_from_payload(payload)
        except DomainError as exc:
            messages = [m for ms in exc.fields.values() for m in ms] or [exc.message]
            self.add_error("lines" if data.get("lines") else "total", messages)
            raise


class BatchForm(forms.Form):
    """Bulk issue: one personal voucher per customer of a segment (or a pasted list of ids)."""

    segment = forms.ChoiceField(label=_l("Phân khúc"), required=False)
    customer_ids = forms.CharField(
        label=_l("Hoặc danh sách mã khách hàng (cách nhau bởi dấu phẩy)"), required=False, max_length=20000
    )
    campaign = forms.ChoiceField(label=_l("Chiến dịch"), required=False)
    discount_type = forms.ChoiceField(
        label=_l("Kiểu giảm"), choices=[("fixed", _l("Số tiền")), ("percent", _l("Phần trăm"))]
    )
    discount_value = forms.IntegerField(label=_l("Giá trị giảm"), min_value=1, max_value=MAX_AMOUNT)
    max_discount = forms.IntegerField(label=_l("Giảm tối đa (₫)"), required=False, min_value=1, max_value=MAX_AMOUNT)
    min_basket = forms.IntegerField(label=_l("Đơn tối thiểu (₫)"), required=False, min_value=0, max_value=MAX_AMOUNT)
    valid_days = forms.IntegerField(label=_l("Số ngày hiệu lực"), min_value=1, max_value=366, initial=30)
    store_only = forms.BooleanField(label=_l("Chỉ dùng tại cửa hàng"), required=False, initial=True)
    message_channel = forms.ChoiceField(
        label=_l("Gửi tin cho khách"),
        required=False,
        choices=[("", _l("Không gửi")), ("sms", "SMS"), ("zns", "Zalo ZNS"), ("email", "Email")],
    )
    message_body = forms.CharField(
        label=_l("Nội dung (dùng {code}, {link}, {name})"), required=False, max_length=1000, widget=forms.Textarea
    )

    def __init__(self, *args, segments=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", "—"), *segments]
        self.fields["campaign"].choices = [("", "—"), *campaigns]

    def clean_customer_ids(self) -> list[int]:
        raw = self.cleaned_data.get("customer_ids") or ""
        parts = [p.strip() for p in re.split(r"[,\s;]+", raw) if p.strip()]
        if any(not p.isdigit() for p in parts):
            raise forms.ValidationError(_("Mã khách hàng là số, cách nhau bởi dấu phẩy."))
        return [int(p) for p in parts]

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("segment") and not data.get("customer_ids"):
            raise forms.ValidationError(_("Chọn một phân khúc hoặc nhập danh sách khách hàng."))
        if data.get("discount_type") == "percent" and (data.get("discount_value") or 0) > 100:
            self.add_error("discount_value", _("Phần trăm giảm phải từ 1 đến 100."))
        return data


def form_errors_text(form: forms.Form) -> str:
    """Every error of a form as one sentence, for a fragment that does not show the form itself."""
    return " ".join(str(message) for messages in form.errors.values() for message in messages)
