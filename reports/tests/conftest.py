import datetime as dt
import zoneinfo

import pytest

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def now():
    """A fixed 'now' for rules and reports: 15 June 2026, 12:00 Vietnam time."""
    return dt.datetime(2026, 6, 15, 12, 0, tzinfo=VN)
