"""Every rule a user can break says so in a Vietnamese sentence of its own.

Database constraints carry a `violation_error_message` (the admin and `full_clean` show it instead of
"Constraint “voucher_percent_1_100” is violated"), and Django's awkward or untranslated form messages
are reworded by o2o_site/django_messages/.
"""

import datetime as dt

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import BaseConstraint

PROJECT_APPS = ("customers", "channels", "promotions", "collect", "support", "reports", "journeys")


def _constraints():
    for config in apps.get_app_configs():
        if config.label not in PROJECT_APPS:
            continue
        for model in config.get_models():
            for constraint in model._meta.constraints:
                yield pytest.param(model, constraint, id=f"{model._meta.label}.{constraint.name}")


@pytest.mark.parametrize(("model", "constraint"), list(_constraints()))
def test_every_database_rule_has_a_sentence_of_its_own(model, constraint):
    message = str(constraint.violation_error_message)
    assert message != str(BaseConstraint.default_violation_error_message)
    assert constraint.name not in message, "the sentence must not show the constraint's code"
    assert message.endswith("."), message


@pytest.mark.django_db
def test_full_clean_explains_a_broken_rule_in_words():
    # given a goal dated mid-month (goals are kept per month, on its first day)
    from channels.models import ChannelGoal
    from channels.tests.factories import ChannelFactory

    goal = ChannelGoal(channel=ChannelFactory(code="shopee"), month=dt.date(2026, 6, 15))
    # when it is validated as the admin does
    with pytest.raises(ValidationError) as caught:
        goal.full_clean()
    # then the person reads a sentence, not "Constraint “goal_month_first_day” is violated"
    text = " ".join(caught.value.messages)
    assert "ngày đầu tháng" in text
    assert "goal_month_first_day" not in text


@pytest.mark.django_db
def test_a_duplicate_says_what_is_duplicated():
    from channels.models import ChannelGoal
    from channels.tests.factories import ChannelFactory

    channel = ChannelFactory(code="lazada")
    ChannelGoal.objects.create(channel=channel, month=dt.date(2026, 6, 1))
    with pytest.raises(ValidationError) as caught:
        ChannelGoal(channel=channel, month=dt.date(2026, 6, 1)).full_clean()
    assert "Kênh này đã có mục tiêu cho tháng này." in caught.value.messages


class _Form(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=100)
    note = forms.CharField(max_length=5)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"quantity": "1,5", "note": "a"}, "Vui lòng nhập một số nguyên (không có phần thập phân)."),
        ({"quantity": "500", "note": "a"}, "Giá trị tối đa là 100."),
        ({"quantity": "2", "note": "a\x00b"}, "Nội dung có ký tự không hợp lệ (ký tự rỗng), vui lòng nhập lại."),
        ({"quantity": "2", "note": "abcdefgh"}, "Tối đa 5 ký tự (hiện có 8)."),
        ({"note": "a"}, "Vui lòng nhập trường này."),
    ],
)
def test_djangos_own_form_messages_read_as_proper_vietnamese(data, expected):
    form = _Form(data)
    assert not form.is_valid()
    shown = [m for errors in form.errors.values() for m in errors]
    assert expected in shown
    assert "Nhập một số tổng thể." not in shown and "Null characters are not allowed." not in shown


def test_filter_forms_say_all_instead_of_dashes():
    from promotions.filters import VoucherScreenFilter

    html = str(VoucherScreenFilter().form["status"])
    assert "---------" not in html
    assert "Tất cả" in html
