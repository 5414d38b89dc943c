"""Roles of the back office, declared once as data.

A role is a Django group of the same name. What each role may do is the union of the
`ROLE_PERMISSIONS` dicts that every app declares in its own `roles.py` (permissions as
"app_label.codename"), so an app names the rights on its own models and nothing else.
`roles_sync()` (run after every migrate) makes the groups match that data exactly.

Screens and endpoints check roles with `role_required` / `HasRole`, never by group name strings.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from django.apps import apps
from django.contrib.auth.mixins import AccessMixin
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class Role(models.TextChoices):
    MANAGER = "manager", _("Quản lý")
    MARKETING = "marketing", _("Marketing")
    INVENTORY = "inventory", _("Kho hàng")
    AGENT = "agent", _("Tổng đài viên")
    CASHIER = "cashier", _("Thu ngân")
    # Follows up leads for the stores they are bound to (like a cashier, through Store.staff).
    CONSULTANT = "consultant", _("Tư vấn viên")


# The screen each role lands on after login, by URL name. Apps fill in their screens; until
# then these point at placeholders served by o2o_site.
ROLE_HOME = {
    Role.MANAGER: "dashboard",
    Role.MARKETING: "dashboard",
    Role.INVENTORY: "channels:sync-status",
    Role.AGENT: "support:hotline",
    Role.CASHIER: "promotions:cashier",
    Role.CONSULTANT: "journeys:leads",
}

# When a user has several roles, the first one in this order picks the home screen.
ROLE_PRIORITY = [Role.MANAGER, Role.MARKETING, Role.INVENTORY, Role.AGENT, Role.CONSULTANT, Role.CASHIER]


def role_permissions() -> dict[str, set[str]]:
    """Collects `ROLE_PERMISSIONS` from every installed app's `roles` module."""
    merged: dict[str, set[str]] = {role.value: set() for role in Role}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.roles")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.roles":
                raise
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            merged[str(role)].update(perms)
    return merged


def roles_sync(sender=None, using: str = "default", **_kwargs) -> None:
    """Creates one group per role and gives it exactly the declared permissions.

    Connected to post_migrate; it acts once, after the last app's permissions exist.
    """
    from django.contrib.auth.models import Group, Permission

    if sender is not None and sender is not list(apps.get_app_configs())[-1]:
        return
    declared = role_permissions()
    everything = set().union(*declared.values())
    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
        if f"{app_label}.{codename}" in everything
    }
    for role, perms in declared.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set([by_name[p] for p in sorted(perms) if p in by_name])


def user_roles(user) -> set[str]:
    """The role codes of a user; cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_o2o_roles", None)
    if cached is None:
        valid = {r.value for r in Role}
        cached = {name for name in user.groups.values_list("name", flat=True) if name in valid}
        if user.is_superuser:
            cached = cached | {Role.MANAGER.value}
        user._o2o_roles = cached
    return cached


def has_role(user, *roles: str | Role) -> bool:
    wanted = {str(r) for r in roles}
    return bool(user_roles(user) & wanted)


def primary_role(user) -> str | None:
    mine = user_roles(user)
    for role in ROLE_PRIORITY:
        if role.value in mine:
            return role.value
    return None


def user_add_role(user, role: str | Role) -> None:
    from django.contrib.auth.models import Group

    group, _created = Group.objects.get_or_create(name=str(role))
    user.groups.add(group)
    if hasattr(user, "_o2o_roles"):
        del user._o2o_roles


class RoleRequiredMixin(AccessMixin):
    """Class-based view guard: `allowed_roles = [Role.AGENT, ...]`.

    Anonymous users go to the login page; a logged-in user without the role gets 403.
    """

    allowed_roles: Iterable[str] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, *self.allowed_roles):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


def role_required(*roles: str | Role):
    """Function view guard, the same rules as RoleRequiredMixin."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class HasRole(BasePermission):
    """DRF permission: the view sets `allowed_roles`; optional `read_roles` widen GET/HEAD."""

    message = _("Vai trò của bạn không được phép thực hiện thao tác này.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        roles = set(getattr(view, "allowed_roles", ()))
        if request.method in ("GET", "HEAD", "OPTIONS"):
            roles |= set(getattr(view, "read_roles", ()))
        return has_role(user, *roles)
