"""Settings of the journeys app, read in one place (each with its default)."""

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def max_marketing_per_week() -> int:
    """At most this many marketing messages reach one customer in any 7 days, all journeys together."""
    return _int("JOURNEYS_MAX_MARKETING_PER_7_DAYS", 3)


def quiet_start_hour() -> int:
    """No journey send from this hour (local time, Asia/Ho_Chi_Minh)…"""
    return _int("JOURNEYS_QUIET_START_HOUR", 21)


def quiet_end_hour() -> int:
    """…until this hour the next morning."""
    return _int("JOURNEYS_QUIET_END_HOUR", 8)


def tick_seconds() -> int:
    return _int("JOURNEYS_TICK_SECONDS", 60)


def enter_seconds() -> int:
    return _int("JOURNEYS_ENTER_SECONDS", 300)


def tick_batch_size() -> int:
    return _int("JOURNEYS_TICK_BATCH", 500)


def lead_sla_minutes() -> int:
    """A new lead's first contact is due within this many working minutes (default 2 hours)."""
    return _int("LEADS_FIRST_CONTACT_SLA_MINUTES", 120)


def work_start_hour() -> int:
    return _int("LEADS_WORK_START_HOUR", 8)


def work_end_hour() -> int:
    return _int("LEADS_WORK_END_HOUR", 21)
