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
    store = forms.TypedChoiceField(label=_("Cửa hàng"), required=False, coerce=int, empty_value=None)
    attribution = forms.ChoiceField(label=_("Ghi nhận"), required=False, choices=ATTRIBUTION_CHOICES)
    window_days = forms.IntegerField(label=_("Cửa sổ (ngày)"), required=False, min_value=1, max_value=90)

    def __init__(self, *args, campaigns=(), stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", _("Tất cả"))] + [(c.pk, str(c)) for c in campaigns]
        self.fields["store"].choices = [("", _("Tất cả"))] + [(s.pk, str(s)) for s in stores]

    def options(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "campaign_id": data.get("campaign"),
            "store_id": data.get("store"),
            "model": data.get("attribution") or "last",
            "window_days": data.get("window_days") or conf.attribution_window_days(),
        }
