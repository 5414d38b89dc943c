"""Template filters available in every template (registered as builtins in settings)."""

from django import template

from o2o_site.money import format_vnd

register = template.Library()


@register.filter
def vnd(value):
    """`{{ order.total|vnd }}` → `1.250.000 ₫`."""
    try:
        return format_vnd(int(value))
    except (TypeError, ValueError):
        return ""


@register.filter
def phone(value):
    """`{{ cp.value|phone }}`: `+84943182000` → `0943 182 000` (other values unchanged)."""
    from o2o_site.phones import format_phone_local

    return format_phone_local(value)


@register.filter
def thousands(value):
    """`{{ points|thousands }}` → `2.575` (the Vietnamese thousands separator); "" when not a number."""
    try:
        return f"{int(value):,}".replace(",", ".")
    except (TypeError, ValueError):
        return ""
