"""The cashier's total box: a typed amount is a whole, unambiguous number of đồng, or refused."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2o_site.money import AmountError, amount_messages, format_vnd, parse_vnd
from promotions.forms import CounterForm

amounts = st.integers(min_value=0, max_value=10_000_000_000)


def _grouped(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


@pytest.mark.parametrize(
    "typed, understood",
    [
        ("1250000", 1_250_000),
        ("1.250.000", 1_250_000),
        ("1 250 000", 1_250_000),
        ("1\u00a0250\u00a0000", 1_250_000),
        ("1,250,000", 1_250_000),
        ("1.250.000 ₫", 1_250_000),
        ("1.250.000đ", 1_250_000),
        ("1250000 VND", 1_250_000),
        ("  990.000  ", 990_000),
    ],
)
def test_unambiguous_amounts_keep_working(typed, understood):
    assert parse_vnd(typed) == understood


@pytest.mark.parametrize(
    "typed, code",
    [
        ("1250000.5", "fraction"),
        ("1.250.000,5", "mixed"),
        ("1,250.000", "mixed"),
        ("1,5", "fraction"),
        ("1,250", "fraction"),
        ("1,5tr", "abbreviated"),
        ("500k", "abbreviated"),
        ("2 triệu", "abbreviated"),
        ("12.50.000", "groups"),
        ("1250.000", "groups"),
        ("1..250", "empty_group"),
        ("-100000", "negative"),
        ("", "required"),
        ("١٢٣", "characters"),
        ("１２３", "characters"),
        ("1e6", "characters"),
        ("12\x0034", "characters"),
        ("9" * 50, "too_long"),
    ],
)
def test_fractions_ambiguous_and_odd_amounts_are_refused_with_a_reason(typed, code):
    with pytest.raises(AmountError) as refused:
        parse_vnd(typed)
    assert refused.value.code == code
    assert refused.value.message == amount_messages()[code] % {"raw": typed.strip()[:40]}


@given(amounts)
def test_every_way_of_writing_a_whole_amount_reads_back_the_same(n):
    assert parse_vnd(str(n)) == n
    assert parse_vnd(format_vnd(n)) == n
    assert parse_vnd(_grouped(n, " ")) == n
    if n >= 1_000_000:  # two or more comma groups cannot be a decimal comma
        assert parse_vnd(_grouped(n, ",")) == n


@given(amounts, st.text(alphabet="0123456789", min_size=1, max_size=6).filter(lambda d: len(d) != 3))
def test_a_decimal_part_is_never_read_as_thousands(n, decimals):
    with pytest.raises(AmountError):
        parse_vnd(f"{n}.{decimals}")
    with pytest.raises(AmountError):
        parse_vnd(f"{format_vnd(n)[:-2]},{decimals}")


@given(st.text(max_size=60))
def test_any_text_is_either_read_with_every_digit_or_refused(text):
    try:
        value = parse_vnd(text)
    except AmountError as refused:
        assert refused.message
        return
    # Nothing is dropped or guessed: the amount is exactly the digits that were typed.
    assert value >= 0
    assert int(re.sub(r"[^0-9]", "", text)) == value


@pytest.mark.parametrize("typed", ["1250000.5", "1.250.000,5", "1,5tr", "0"])
def test_the_counter_form_refuses_what_it_cannot_charge(typed):
    form = CounterForm(data={"total": typed})
    assert not form.is_valid()
    assert form.errors["total"]


def test_the_counter_form_reads_vietnamese_grouping():
    form = CounterForm(data={"total": "1.250.000"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["total"] == 1_250_000
