"""Demo data: `python manage.py seed_demo` runs every app's `demo.seed(out)` in layer order.

Each app owns `<app>/demo.py` with `def seed(out) -> None`, idempotent (get_or_create on
natural keys), building on what the apps before it seeded. Services, not raw saves, put the
state in place, so demo data obeys the same rules as real data.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth import get_user_model

from .roles import Role, user_add_role

DEMO_PASSWORD = "demo12345"

# One demo account per role; apps add more (a cashier per store, agents per department).
DEMO_USERS = [
    ("manager", "Trần Quốc Minh", Role.MANAGER),
    ("marketing", "Lê Thu Hà", Role.MARKETING),
    ("inventory", "Phạm Văn Kho", Role.INVENTORY),
    ("agent", "Nguyễn Thị Lan", Role.AGENT),
    ("cashier", "Võ Thành Tâm", Role.CASHIER),
]


# Every demo account a seed created or found in this process, in order: username → (role, note).
# seed_demo prints them all as the logins table (each store's cashier, every agent, the leads).
_LISTED: dict[str, tuple[str, str]] = {}


def demo_user(
    username: str, full_name: str, role: Role | str, *, is_staff: bool = True, note: str = "", listed: bool = True
):
    """Creates (or finds) a demo account with the demo password and the role.

    `note` says what the account is for in the logins table (a cashier's store, a lead's
    department); `listed=False` keeps service accounts (the CTI connector) out of it.
    """
    # Vietnamese names read family name first; Django's get_full_name() is "first last", so the
    # whole name goes in first_name and it displays as written.
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": full_name, "last_name": "", "is_staff": is_staff},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user_add_role(user, role)
    if listed and username not in _LISTED:
        _LISTED[username] = (str(role), note)
    return user


def demo_accounts() -> list[tuple[str, str, str, str]]:
    """(role label, username, full name, note) of every listed demo account, by role then seed order."""
    names = dict(get_user_model().objects.filter(username__in=list(_LISTED)).values_list("username", "first_name"))
    labels = dict(Role.choices)
    order = {role.value: i for i, role in enumerate(Role)}
    rows = [
        (str(labels.get(role, role)), username, names.get(username, ""), note)
        for username, (role, note) in _LISTED.items()
        if username in names
    ]
    return sorted(rows, key=lambda r: order.get(_LISTED[r[1]][0], 99))


def seed(out) -> None:
    for username, full_name, role in DEMO_USERS:
        demo_user(username, full_name, role, is_staff=role in (Role.MANAGER, Role.MARKETING, Role.INVENTORY))


def run_all(out) -> None:
    """Seeds o2o_site's accounts, then every app's `demo.seed` in INSTALLED_APPS (layer) order.

    After each app's seed its tables are analysed, so the next app's queries (and the segment
    recompute at the end) are planned on real row counts even where autovacuum is off.
    """
    from .db import app_tables_analyze

    seed(out)
    for config in apps.get_app_configs():
        if config.name == "o2o_site":
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        out(f"· {config.verbose_name}")
        module.seed(out)
        app_tables_analyze(config.label)
