"""The staff navigation: each app registers its screens with the roles that may see them.

Apps call `register(...)` in their AppConfig.ready(); the base template shows a user only the
entries for their roles. The same role lists guard the views themselves (see roles.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from .roles import Role, user_roles


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    order: int = 100


_ITEMS: dict[str, NavItem] = {}


def register(label, url_name: str, roles, order: int = 100) -> None:
    _ITEMS[url_name] = NavItem(label=label, url_name=url_name, roles=frozenset(str(r) for r in roles), order=order)


def items_for(user) -> list[dict]:
    mine = user_roles(user)
    out = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, str(i.label))):
        if not (item.roles & mine):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        out.append({"label": item.label, "url": url, "url_name": item.url_name})
    return out


def navigation(request) -> dict:
    """Template context processor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role_names": []}
    labels = dict(Role.choices)
    return {
        "nav_items": items_for(user),
        "user_role_names": [labels[r] for r in sorted(user_roles(user))],
    }
