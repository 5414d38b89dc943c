"""What each role may do on the channels app's models (Django permissions, "app_label.codename").

Collected by o2o_site.roles; the groups are synced after every migrate.
"""

from o2o_site.roles import Role


def _perms(model: str, *actions: str) -> list[str]:
    return [f"channels.{action}_{model}" for action in actions]


_ALL = ("view", "add", "change", "delete")

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.MANAGER: [
        *_perms("store", *_ALL),
        *_perms("saleschannel", *_ALL),
        *_perms("product", *_ALL),
        *_perms("sku", *_ALL),
        *_perms("stock", "view"),
        *_perms("stockmovement", "view"),
        *_perms("listing", "view", "add", "change"),
        *_perms("order", "view", "change"),
        *_perms("orderline", "view"),
        *_perms("inboundevent", "view"),
        *_perms("checkin", "view"),
        *_perms("channelgoal", *_ALL),
    ],
    Role.INVENTORY: [
        *_perms("store", "view"),
        *_perms("saleschannel", "view"),
        *_perms("product", "view", "add", "change"),
        *_perms("sku", "view", "add", "change"),
        *_perms("stock", "view"),
        *_perms("stockmovement", "view"),
        *_perms("listing", "view", "add", "change"),
        *_perms("order", "view"),
        *_perms("orderline", "view"),
        *_perms("inboundevent", "view"),
    ],
    Role.MARKETING: [
        *_perms("store", "view"),
        *_perms("saleschannel", "view"),
        *_perms("checkin", "view"),
        *_perms("channelgoal", "view", "add", "change"),
    ],
}
