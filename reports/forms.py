"""Report filters and the staff forms of the reports app: parse and validate, nothing more."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import conf


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of local dates, with its half-open aware datetime bounds."""

    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


def default_range(days: int = 30) -> DateRange:
    today = timezone.localdate()
    return DateRange(start=today - dt.timedelta(days=days - 1), end=today)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateRangeForm(forms.Form):
    """`?start=YYYY-MM-DD&end=YYYY-MM-DD`; both optional (last 30 days by default)."""

    start = forms.DateField(label=_("Từ ngày"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Đến ngày"), required=False, widget=DateInput())

    default_days = 30

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Show the range the page is drawn for, even before anyone filters.
        fallback = default_range(self.default_days)
        self.fields["start"].initial = fallback.start
        self.fields["end"].initial = fallback.end

    def clean(self):
        data = super().clean()
        fallback = default_range(self.default_days)
        end = data.get("end") or fallback.end
        start = data.get("start") or (end - dt.timedelta(days=self.default_days - 1))
        if start > end:
            raise forms.ValidationError(_("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."), code="range_order")
        if (end - start).days + 1 > conf.max_range_days():
            raise forms.ValidationError(
                _("Khoảng thời gian tối đa là %(days)s ngày.") % {"days": conf.max_range_days()}, code="range_too_long"
            )
        data["range"] = DateRange(start=start, end=end)
        return data

    def date_range(self) -> DateRange:
        """The valid range, or the default one when the form is invalid (the page still renders)."""
        if self.is_valid():
            return self.cleaned_data["range"]
        return default_range(self.default_days)


class O2OFilterForm(DateRangeForm):
    ATTRIBUTION_CHOICES = [("last", _("Chạm cuối (last touch)")), ("first", _("Chạm đầu (first touch)"))]

    campaign = forms.TypedChoiceField(label=_("Chiến dịch"), required=False, coerce=int, empty_value=None)
    channel = forms.TypedChoiceField(label=_("Kênh"), required=False, coerce=int, empty_value=None)
    store = forms.TypedChoiceField(label=_("Cửa hàng"), required=False, coerce=int, empty_value=None)
    attribution = forms.ChoiceField(label=_("Ghi nhận"), required=False, choices=ATTRIBUTION_CHOICES)
    window_days = forms.IntegerField(label=_("Cửa sổ (ngày)"), required=False, min_value=1, max_value=90)

    def __init__(self, *args, campaigns=(), stores=(), channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", _("Tất cả"))] + [(c.pk, str(c)) for c in campaigns]
        self.fields["store"].choices = [("", _("Tất cả"))] + [(s.pk, str(s)) for s in stores]
        self.fields["channel"].choices = [("", _("Tất cả"))] + [(c.pk, str(c)) for c in channels]

    def options(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "campaign_id": data.get("campaign"),
            "store_id": data.get("store"),
            "channel_id": data.get("channel"),
            "model": data.get("attribution") or "last",
            "window_days": data.get("window_days") or conf.attribution_window_days(),
        }


# --- Segments --------------------------------------------------------------------------------

CONDITION_ROWS = 6


class CustomSegmentForm(forms.Form):
    """Name, all/any and up to six condition rows (`cond-N-field`, `cond-N-op`, `cond-N-value`).

    Blank rows are ignored; the service validates the conditions and names the faulty row."""

    name = forms.CharField(label=_("Tên phân khúc"), max_length=200, required=False)
    description = forms.CharField(label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    match = forms.ChoiceField(
        label=_("Khớp"),
        choices=[("all", _("Tất cả điều kiện")), ("any", _("Bất kỳ điều kiện nào"))],
        initial="all",
    )

    def __init__(self, *args, **kwargs):
        from .custom_segments import FIELDS, OPERATOR_LABELS

        super().__init__(*args, **kwargs)
        field_choices = [("", "—")] + [(f.name, f.label) for f in FIELDS.values()]
        op_choices = [("", "—")] + list(OPERATOR_LABELS.items())
        for i in range(CONDITION_ROWS):
            self.fields[f"cond-{i}-field"] = forms.ChoiceField(label=_("Trường"), choices=field_choices, required=False)
            self.fields[f"cond-{i}-op"] = forms.ChoiceField(label=_("Phép so sánh"), choices=op_choices, required=False)
            self.fields[f"cond-{i}-value"] = forms.CharField(label=_("Giá trị"), max_length=500, required=False)

    @classmethod
    def initial_from(cls, segment) -> dict:
        initial = {"name": segment.name, "description": segment.description}
        definition = segment.definition or {}
        initial["match"] = definition.get("match", "all")
        for i, cond in enumerate((definition.get("conditions") or [])[:CONDITION_ROWS]):
            value = cond.get("value")
            initial[f"cond-{i}-field"] = cond.get("field")
            initial[f"cond-{i}-op"] = cond.get("op")
            initial[f"cond-{i}-value"] = ", ".join(value) if isinstance(value, list) else value
        return initial

    def rows(self) -> list[dict]:
        return [
            {
                "index": i,
                "field": self[f"cond-{i}-field"],
                "op": self[f"cond-{i}-op"],
                "value": self[f"cond-{i}-value"],
                "errors": self.row_errors.get(i, []) if hasattr(self, "row_errors") else [],
            }
            for i in range(CONDITION_ROWS)
        ]

    def definition(self) -> dict:
        """The conditions as JSON, blank rows dropped, row numbers kept for error messages."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        conditions, self.row_index = [], []
        for i in range(CONDITION_ROWS):
            field, op, value = data.get(f"cond-{i}-field"), data.get(f"cond-{i}-op"), data.get(f"cond-{i}-value")
            if not field and not op and not value:
                continue
            conditions.append({"field": field, "op": op, "value": value})
            self.row_index.append(i)
        return {"match": data.get("match") or "all", "conditions": conditions}

    def apply_errors(self, fields: dict) -> None:
        """Maps a service's `conditions.<n>.<part>` errors back onto the form rows."""
        self.row_errors: dict[int, list[str]] = {}
        for key, messages in fields.items():
            parts = key.split(".")
            if parts[0] == "conditions" and len(parts) >= 2 and parts[1].isdigit():
                n = int(parts[1])
                row = self.row_index[n] if n < len(self.row_index) else n
                self.row_errors.setdefault(row, []).extend(messages)
            elif key in self.fields:
                self.add_error(key, messages)
            else:
                self.add_error(None, messages)


class SegmentMessageForm(forms.Form):
    channel = forms.ChoiceField(label=_("Kênh gửi"), choices=[("sms", "SMS"), ("zns", "Zalo ZNS"), ("email", "Email")])
    body = forms.CharField(label=_("Nội dung"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class SegmentVoucherForm(forms.Form):
    discount_type = forms.ChoiceField(
        label=_("Kiểu giảm"), choices=[("fixed", _("Số tiền cố định (₫)")), ("percent", _("Phần trăm (%)"))]
    )
    discount_value = forms.IntegerField(label=_("Giá trị giảm"), min_value=1)
    max_discount = forms.IntegerField(label=_("Giảm tối đa (₫)"), min_value=1, required=False)
    min_basket = forms.IntegerField(label=_("Đơn tối thiểu (₫)"), min_value=0, required=False, initial=0)
    valid_days = forms.IntegerField(label=_("Số ngày hiệu lực"), min_value=1, max_value=365, initial=30)
    message_channel = forms.ChoiceField(
        label=_("Báo cho khách qua"),
        choices=[("", _("Không gửi tin")), ("sms", "SMS"), ("zns", "Zalo ZNS"), ("email", "Email")],
        required=False,
    )
    message_body = forms.CharField(
        label=_("Nội dung tin (dùng {code}, {link}, {name})"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("message_channel") and not (data.get("message_body") or "").strip():
            self.add_error("message_body", _("Hãy nhập nội dung tin nhắn."))
        return data


def thresholds_form_class(rule, current: dict):
    """A form with one whole-number field per threshold of a built-in rule."""
    labels = {
        "within_days": _("Mua lần đầu trong vòng (ngày, 0 = không giới hạn)"),
        "min_orders": _("Số đơn tối thiểu"),
        "days": _("Trong số ngày gần nhất"),
        "active_days": _("Có hoạt động trong (ngày, 0 = không xét)"),
        "min_share_percent": _("Tỉ lệ đơn có khuyến mãi tối thiểu (%)"),
        "days_after_launch": _("Mua trong vòng (ngày sau ra mắt)"),
        "lookback_days": _("Xét đơn trong (ngày gần nhất)"),
        "min_points": _("Số điểm tối thiểu"),
        "high_min": _("Ngưỡng cao"),
        "mid_min": _("Ngưỡng giữa"),
        "max_days": _("Quá số ngày không mua"),
        "interval_factor": _("Hệ số nhịp mua thường lệ"),
        "min_days": _("Tối thiểu số ngày không mua"),
    }
    fields = {
        key: forms.IntegerField(label=labels.get(key, key), min_value=0, initial=current.get(key, default))
        for key, default in rule.defaults.items()
        if isinstance(default, int)
    }
    return type("ThresholdsForm", (forms.Form,), fields)


class BudgetPlanForm(forms.Form):
    """A new marketing budget plan (promotions owns the plan; its service validates it)."""

    name = forms.CharField(label=_("Tên kế hoạch"), max_length=200)
    starts_on = forms.DateField(label=_("Từ ngày"), widget=DateInput())
    ends_on = forms.DateField(label=_("Đến ngày"), widget=DateInput())
    total_budget = forms.IntegerField(label=_("Tổng ngân sách (₫)"), min_value=0)
    awareness = forms.IntegerField(label=_("Nhận biết (%)"), min_value=0, max_value=100, initial=40)
    acquisition = forms.IntegerField(label=_("Thu hút (%)"), min_value=0, max_value=100, initial=30)
    conversion = forms.IntegerField(label=_("Chuyển đổi (%)"), min_value=0, max_value=100, initial=15)
    retention = forms.IntegerField(label=_("Giữ chân (%)"), min_value=0, max_value=100, initial=10)
    expansion = forms.IntegerField(label=_("Mở rộng (%)"), min_value=0, max_value=100, initial=5)

    STAGES = ("awareness", "acquisition", "conversion", "retention", "expansion")

    def clean(self):
        data = super().clean()
        if all(data.get(s) is not None for s in self.STAGES):
            total = sum(data[s] for s in self.STAGES)
            if total != 100:
                raise forms.ValidationError(
                    _("Tổng các tỉ lệ phải bằng 100%% (hiện là %(sum)s%%).") % {"sum": total}, code="shares"
                )
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "starts_on": d["starts_on"],
            "ends_on": d["ends_on"],
            "total_budget": d["total_budget"],
            "shares": {s: d[s] for s in self.STAGES},
        }
