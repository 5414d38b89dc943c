"""The counter's lookups: what they load, in how many queries."""

import datetime as dt

import pytest

from promotions.selectors import voucher_store_ids, vouchers_by_codes
from promotions.services import campaign_create

from .factories import make_voucher

pytestmark = pytest.mark.django_db


def test_vouchers_by_codes_brings_campaign_and_stores_in_one_query(store_a, store_b, django_assert_num_queries):
    # given
    campaign = campaign_create(
        name="Tết",
        utm_campaign="tet",
        journey_stage="conversion",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    limited = make_voucher(campaign=campaign, stores=[store_b, store_a], weekdays=[5, 6])
    anywhere = make_voucher()
    # when
    with django_assert_num_queries(1):
        found = vouchers_by_codes([limited.code, anywhere.code, "NO-SUCH-CODE"])
        # then: everything pricing and redeeming read is already there
        assert set(found) == {limited.code, anywhere.code}
        assert found[limited.code].campaign.utm_campaign == "tet"
        assert found[anywhere.code].campaign is None
        assert voucher_store_ids(found[limited.code]) == {store_a.pk, store_b.pk}
        assert voucher_store_ids(found[anywhere.code]) == set()
    assert found[limited.code].weekdays == [5, 6]
    assert found[limited.code].valid_to == limited.valid_to
