"""What each role may do on the promotions app's models (Django permissions, "app_label.codename").

Collected by o2o_site.roles; the groups are synced after every migrate. Screens and endpoints
check roles (Manager and Marketing manage campaigns, vouchers and promotions; the Cashier
validates, redeems and voids at the counter of their own store).
"""

from o2o_site.roles import Role

_MANAGED = ["campaign", "campaignspend", "budgetplan", "voucher", "promotion", "upsellrule", "voucherbatch"]


def _perms(models: list[str], actions=("view", "add", "change", "delete")) -> list[str]:
    return [f"promotions.{action}_{model}" for model in models for action in actions]


ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.MANAGER: [
        *_perms(_MANAGED),
        *_perms(["redemption", "auditentry"], ("view",)),
        # A basket line at another price than ours (with a reason): see services.basket_parse.
        "promotions.override_basket_price",
    ],
    Role.MARKETING: [
        *_perms(_MANAGED),
        *_perms(["redemption"], ("view",)),
    ],
}
