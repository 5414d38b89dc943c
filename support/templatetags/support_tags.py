from django import template

register = template.Library()


@register.filter
def label(value, labels: dict):
    """`{{ a.kind|label:kind_labels }}`: a code's label from a dict built once per page.

    Model `get_FOO_display()` rebuilds and hashes the whole choices list (lazy labels) on every
    call — hundreds of times on a long timeline.
    """
    try:
        return labels.get(value, value)
    except AttributeError:
        return value
