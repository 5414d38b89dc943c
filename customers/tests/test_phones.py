"""o2o_site.phones: every way Vietnamese numbers are written normalizes to one E.164."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2o_site.phones import OLD_MOBILE_PREFIXES, normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "+84 912 345 678",
        "84912345678",
        "(+84) 912-345-678",
        "+84912345678",
        "0084 912 345 678",
        "+84 (0) 912 345 678".replace("(0) ", "0"),
        " 0912-345-678 ",
    ],
)
def test_normalize_phone_accepts_every_common_format(raw):
    result = normalize_phone(raw)
    assert result.ok, result.error
    assert result.e164 == "+84912345678"
    assert result.national == "0912345678"


@pytest.mark.parametrize(("old", "new"), [(f"0{old}", f"+84{new}") for old, new in OLD_MOBILE_PREFIXES.items()])
def test_normalize_phone_maps_every_pre_2018_prefix(old, new):
    result = normalize_phone(f"{old}2345678")
    assert result.ok, result.error
    assert result.e164 == f"{new}2345678"


def test_normalize_phone_maps_old_numbers_written_internationally():
    assert normalize_phone("01662345678").e164 == "+84362345678"
    assert normalize_phone("+84 166 234 5678").e164 == "+84362345678"
    assert normalize_phone("841662345678").e164 == "+84362345678"


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "091234", "09123456789012", "abc0912345678", "0912-345-67x", "+1 650 253 0000", "+44 20 7946 0958"],
)
def test_normalize_phone_refuses_what_cannot_be_a_vietnamese_number(raw):
    result = normalize_phone(raw)
    assert not result.ok
    assert result.error  # a sentence for the user


def test_normalize_phone_accepts_a_foreign_number_when_asked():
    assert normalize_phone("+1 650 253 0000", allow_foreign=True).e164 == "+16502530000"


def test_normalize_phone_flags_a_possible_but_unlisted_number_instead_of_refusing():
    # 052x is a valid shape that phonenumbers' tables do not list (as of its current data)
    result = normalize_phone("0521234567")
    assert result.ok
    assert result.listed is False


def test_normalize_phone_keeps_placeholders_and_marks_them():
    result = normalize_phone("0000000000")
    assert result.ok and result.placeholder


def test_normalize_phone_keeps_landlines():
    assert normalize_phone("024 3825 1234").e164 == "+842438251234"


_prefixes = st.sampled_from(["90", "91", "98", "32", "36", "70", "77", "81", "56", "59", "86", "88"])


@settings(max_examples=50, deadline=None)
@given(prefix=_prefixes, rest=st.text(alphabet="0123456789", min_size=7, max_size=7), style=st.integers(0, 5))
def test_normalize_phone_is_idempotent(prefix, rest, style):
    digits = prefix + rest
    written = [
        f"0{digits}",
        f"+84{digits}",
        f"84{digits}",
        f"0{digits[:3]} {digits[3:6]} {digits[6:]}",
        f"(+84) {digits[:2]}-{digits[2:5]}-{digits[5:]}",
        f"0{digits[:3]}.{digits[3:6]}.{digits[6:]}",
    ][style]
    first = normalize_phone(written)
    assert first.ok
    assert first.e164 == f"+84{digits}"
    assert normalize_phone(first.e164).e164 == first.e164
    assert normalize_phone(first.national).e164 == first.e164


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=20))
def test_normalize_phone_never_raises_and_is_stable_on_its_output(raw):
    result = normalize_phone(raw)
    if result.ok:
        assert normalize_phone(result.e164).e164 == result.e164
