"""The cashier screen's input: what was typed at the counter, turned into the engine's Basket."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from o2o_site.api import DomainError

from .pricing import MAX_AMOUNT, Basket, basket_from_payload

_LINE = re.compile(r"^\s*(?P<sku>[^\s,;x×*]+)\s*(?:[\s,;x×*]+\s*(?P<qty>\d+))?\s*$", re.IGNORECASE)


class CounterForm(forms.Form):
    code = forms.CharField(label=_l("Mã voucher"), required=False, max_length=200)
    total = forms.CharField(label=_l("Tổng tiền (₫)"), required=False, max_length=20)
    lines = forms.CharField(label=_l("Hàng hóa"), required=False, widget=forms.Textarea, max_length=5000)
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    trade_in = forms.BooleanField(label=_l("Có thu cũ đổi mới"), required=False)
    idempotency_key = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def clean_total(self) -> int | None:
        raw = (self.cleaned_data.get("total") or "").strip()
        if not raw:
            return None
        digits = re.sub(r"[\s.,₫đ]", "", raw)
        if not digits.isdigit():
            raise forms.ValidationError(_("Tổng tiền là số nguyên VND, ví dụ 1.250.000."))
        value = int(digits)
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
        if not self.errors and not data.get("lines") and data.get("total") is None:
            raise forms.ValidationError(_("Nhập tổng tiền hoặc các dòng hàng."))
        return data

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
