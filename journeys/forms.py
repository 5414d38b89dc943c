"""Forms of the journey builder: the journey's settings, and one form per kind of step."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Activity

from .models import Journey, Lead
from .selectors import segments_for_choice
from .services import ENTRY_EVENTS
from .steps import CONDITIONS, KEY_RE

CHANNEL_CHOICES = [("sms", "SMS"), ("zns", "Zalo ZNS"), ("email", "Email")]
PURPOSE_CHOICES = [("marketing", _("Tiếp thị (cần khách đồng ý)")), ("service", _("Chăm sóc / dịch vụ"))]
WEEKDAYS = [
    ("", _("Ngày gần nhất")),
    ("0", _("Thứ Hai")),
    ("1", _("Thứ Ba")),
    ("2", _("Thứ Tư")),
    ("3", _("Thứ Năm")),
    ("4", _("Thứ Sáu")),
    ("5", _("Thứ Bảy")),
    ("6", _("Chủ nhật")),
]


def _segment_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(str(s.pk), s.name) for s in segments_for_choice()]


class JourneySettingsForm(forms.Form):
    name = forms.CharField(label=_("Tên hành trình"), max_length=200)
    description = forms.CharField(
        label=_("Mô tả"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    entry_kind = forms.ChoiceField(label=_("Khách vào khi"), choices=Journey.Entry.choices)
    entry_segment = forms.ChoiceField(label=_("Phân khúc"), required=False)
    entry_event = forms.ChoiceField(label=_("Sự kiện"), required=False)
    goal_kind = forms.ChoiceField(label=_("Mục tiêu (đạt thì rời hành trình)"), choices=Journey.Goal.choices)
    goal_amount = forms.IntegerField(label=_("Số tiền mục tiêu (₫)"), min_value=0, max_value=10**12, required=False)
    priority = forms.IntegerField(
        label=_("Độ ưu tiên (0–1000, lớn hơn ưu tiên hơn)"), min_value=0, max_value=1000, initial=50
    )
    allow_reentry = forms.BooleanField(label=_("Cho phép vào lại"), required=False)
    reentry_cooldown_days = forms.IntegerField(
        label=_("Vào lại sau ít nhất (ngày)"), min_value=0, max_value=3650, initial=30
    )
    holdout_percent = forms.IntegerField(
        label=_("Nhóm đối chứng (% giữ lại, không gửi gì)"), min_value=0, max_value=50, initial=0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry_segment"].choices = _segment_choices(str(_("— chọn phân khúc —")))
        labels = dict(Activity.Kind.choices)
        self.fields["entry_event"].choices = [("", _("— chọn sự kiện —"))] + [(k, labels[k]) for k in ENTRY_EVENTS]

    def clean_entry_segment(self):
        value = self.cleaned_data.get("entry_segment")
        return int(value) if value else None

    def clean_goal_amount(self):
        return self.cleaned_data.get("goal_amount") or 0

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["entry_segment_id"] = data.pop("entry_segment")
        return data


class StepForm(forms.Form):
    key = forms.SlugField(
        label=_("Mã bước"), max_length=40, help_text=_("Chữ, số, - hoặc _; các bước khác trỏ tới mã này.")
    )

    type = ""

    def __init__(self, *args, step_keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        targets = [("", _("— kết thúc ở đây —"))] + [(k, k) for k in step_keys]
        for name in ("next", "yes", "no"):
            if name in self.fields:
                self.fields[name].choices = targets

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not KEY_RE.match(key):
            raise forms.ValidationError(_("Mã bước chỉ gồm chữ, số, - hoặc _."))
        return key

    def step(self) -> dict:
        values = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        return {"type": self.type, **values}


class SendStepForm(StepForm):
    type = "send"
    channel = forms.ChoiceField(label=_("Kênh"), choices=CHANNEL_CHOICES)
    fallback_channel = forms.ChoiceField(
        label=_("Kênh dự phòng"), choices=[("", _("— không —")), *CHANNEL_CHOICES], required=False
    )
    purpose = forms.ChoiceField(label=_("Mục đích"), choices=PURPOSE_CHOICES)
    body = forms.CharField(label=_("Nội dung"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    link = forms.URLField(
        label=_("Liên kết (được theo dõi lượt nhấp)"), max_length=500, required=False, assume_scheme="https"
    )
    next = forms.ChoiceField(label=_("Bước tiếp theo"), required=False)


class WaitStepForm(StepForm):
    type = "wait"
    days = forms.IntegerField(label=_("Số ngày"), min_value=0, max_value=366, initial=0, required=False)
    hours = forms.IntegerField(label=_("Số giờ"), min_value=0, max_value=23, initial=0, required=False)
    minutes = forms.IntegerField(label=_("Số phút"), min_value=0, max_value=59, initial=0, required=False)
    until_time = forms.RegexField(
        label=_("Hoặc chờ đến giờ (HH:MM, giờ Việt Nam)"), regex=r"^([01]\d|2[0-3]):[0-5]\d$", required=False
    )
    until_weekday = forms.ChoiceField(label=_("vào"), choices=WEEKDAYS, required=False)
    next = forms.ChoiceField(label=_("Bước tiếp theo"), required=False)

    def step(self) -> dict:
        step = super().step()
        if step.get("until_weekday"):
            step["until_weekday"] = int(step["until_weekday"])
        return step


class BranchStepForm(StepForm):
    type = "branch"
    condition = forms.ChoiceField(label=_("Điều kiện"), choices=list(CONDITIONS.items()))
    value = forms.IntegerField(label=_("Giá trị (điểm tiềm năng, hoặc mã phân khúc)"), min_value=0, required=False)
    window_hours = forms.IntegerField(
        label=_("Xét trong (giờ; 0 = từ lần gửi trước)"), min_value=0, max_value=2160, initial=0, required=False
    )
    yes = forms.ChoiceField(label=_("Nếu có, sang bước"), required=True)
    no = forms.ChoiceField(label=_("Nếu không, sang bước"), required=True)


class VoucherStepForm(StepForm):
    type = "voucher"
    discount_type = forms.ChoiceField(
        label=_("Giảm theo"), choices=[("percent", _("Phần trăm")), ("amount", _("Số tiền"))]
    )
    discount_value = forms.IntegerField(label=_("Mức giảm"), min_value=1, max_value=10**9)
    valid_days = forms.IntegerField(label=_("Hiệu lực (ngày)"), min_value=1, max_value=365, initial=14)
    next = forms.ChoiceField(label=_("Bước tiếp theo"), required=False)


class TagStepForm(StepForm):
    type = "tag"
    segment = forms.ChoiceField(label=_("Phân khúc"))
    action = forms.ChoiceField(label=_("Thao tác"), choices=[("add", _("Thêm vào")), ("remove", _("Bớt khỏi"))])
    next = forms.ChoiceField(label=_("Bước tiếp theo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = _segment_choices(str(_("— chọn phân khúc —")))

    def step(self) -> dict:
        step = super().step()
        step["segment"] = int(step["segment"])
        return step


class AssignStepForm(StepForm):
    type = "assign"
    next = forms.ChoiceField(label=_("Bước tiếp theo"), required=False)


class EndStepForm(StepForm):
    type = "end"


STEP_FORMS: dict[str, type[StepForm]] = {
    form.type: form
    for form in (SendStepForm, WaitStepForm, BranchStepForm, VoucherStepForm, TagStepForm, AssignStepForm, EndStepForm)
}


class LeadOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Kết quả"), choices=[("", _("— chọn —")), *Lead.Outcome.choices])
    appointment_at = forms.DateTimeField(
        label=_("Hẹn ghé lúc"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    follow_up_at = forms.DateTimeField(
        label=_("Nhắc gọi lại lúc"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(
        label=_("Ghi chú"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LeadReportForm(forms.Form):
    start = forms.DateField(label=_("Từ ngày"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Đến ngày"), widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(
        label=_("Theo"), choices=[("consultant", _("Tư vấn viên")), ("store", _("Cửa hàng"))], required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise forms.ValidationError(_("Ngày kết thúc phải sau ngày bắt đầu."))
            if (data["end"] - data["start"]).days > 366:
                raise forms.ValidationError(_("Khoảng thời gian tối đa 1 năm."))
        return data
