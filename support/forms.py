from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import CallLog, Category, Ticket


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Tìm khách hàng"),
        max_length=200,
        required=False,
        error_messages={
            "max_length": _("Từ khoá tối đa %(limit_value)d ký tự."),
            "null_characters_not_allowed": _("Từ khoá có ký tự không hợp lệ (ký tự NUL)."),
        },
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Số điện thoại, tên, mã đơn, mã voucher, số yêu cầu…"),
                "autocomplete": "off",
                "autofocus": True,
                "type": "search",
            }
        ),
    )


class TicketForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Loại yêu cầu"),
        queryset=Category.objects.none(),
        empty_label=_("— Chọn loại yêu cầu —"),
        error_messages={
            "required": _("Vui lòng chọn loại yêu cầu."),
            "invalid_choice": _("Loại yêu cầu không hợp lệ."),
        },
    )
    subject = forms.CharField(
        label=_("Nội dung yêu cầu"), max_length=200, error_messages={"required": _("Vui lòng nhập nội dung yêu cầu.")}
    )
    description = forms.CharField(label=_("Mô tả chi tiết"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    channel = forms.ChoiceField(
        label=_("Kênh tiếp nhận"), choices=Ticket.Channel.choices, initial=Ticket.Channel.HOTLINE
    )
    priority = forms.ChoiceField(
        label=_("Mức ưu tiên"), choices=Ticket.Priority.choices, initial=Ticket.Priority.NORMAL
    )
    order_ref = forms.CharField(label=_("Đơn hàng liên quan"), max_length=64, required=False)
    call = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        field.queryset = Category.objects.filter(is_active=True).select_related("department")
        # Rendered from one plain list (the model iterator would open a server-side cursor).
        rows = categories if categories is not None else list(field.queryset.order_by("department__name", "name"))
        field.choices = [("", str(field.empty_label))] + [(c.pk, f"{c.name} → {c.department.name}") for c in rows]
        for name in ("channel", "priority"):
            self.fields[name].choices = [(value, str(label)) for value, label in self.fields[name].choices]


class NewCustomerForm(forms.Form):
    full_name = forms.CharField(
        label=_("Họ tên"), max_length=200, error_messages={"required": _("Vui lòng nhập họ tên.")}
    )
    phone = forms.CharField(
        label=_("Số điện thoại"), max_length=40, error_messages={"required": _("Vui lòng nhập số điện thoại.")}
    )
    email = forms.EmailField(label=_("Email"), required=False, error_messages={"invalid": _("Email không hợp lệ.")})
    call = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Nội dung"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Vui lòng nhập nội dung.")},
    )
    public = forms.BooleanField(label=_("Trả lời khách hàng (không phải ghi chú nội bộ)"), required=False)


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=Ticket.Status.choices)
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=2000)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class AssignForm(forms.Form):
    assignee = StaffChoiceField(
        label=_("Người xử lý"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("— Chưa giao —"),
        error_messages={"invalid_choice": _("Người này không nhận yêu cầu được.")},
    )

    def __init__(self, *args, department=None, **kwargs):
        from .selectors import ticket_assignees

        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = ticket_assignees()


SATISFACTION_CHOICES = [("", _("— Không ghi —"))] + [(str(i), "★" * i) for i in range(1, 6)]


class FollowupForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Kết quả cuộc gọi"),
        choices=[("", _("— Chọn kết quả —"))] + [c for c in CallLog.Outcome.choices if c[0]],
        error_messages={"required": _("Vui lòng chọn kết quả cuộc gọi.")},
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Mức hài lòng"), choices=SATISFACTION_CHOICES, coerce=int, empty_value=None, required=False
    )
    notes = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Mức hài lòng"), choices=SATISFACTION_CHOICES, coerce=int, empty_value=None, required=False
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=2000)


class TicketFilterForm(forms.Form):
    scope = forms.ChoiceField(
        choices=[("mine", _("Của tôi")), ("department", _("Bộ phận của tôi")), ("all", _("Tất cả"))], required=False
    )
    status = forms.ChoiceField(
        label=_("Trạng thái"), choices=[("", _("Tất cả"))] + list(Ticket.Status.choices), required=False
    )
    priority = forms.ChoiceField(
        label=_("Ưu tiên"), choices=[("", _("Tất cả"))] + list(Ticket.Priority.choices), required=False
    )
    department = forms.CharField(required=False)
    overdue = forms.BooleanField(label=_("Chỉ quá hạn"), required=False)
    q = forms.CharField(label=_("Tìm"), required=False, max_length=100)


class CallNotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Ghi chú cuộc gọi"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 4000}),
        error_messages={"max_length": _("Ghi chú tối đa %(limit_value)d ký tự.")},
    )
