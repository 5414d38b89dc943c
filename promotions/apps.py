from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "promotions"
    verbose_name = _("Khuyến mãi")

    def ready(self) -> None:
        from o2o_site import dashboard, navigation
        from o2o_site.celery import register_periodic
        from o2o_site.roles import Role

        from . import selectors

        navigation.register(_("Quầy thu ngân"), "promotions:cashier", [Role.CASHIER], order=40)
        navigation.register(_("Khuyến mãi"), "promotions:overview", [Role.MANAGER, Role.MARKETING], order=45)
        dashboard.register("promotions", selectors.dashboard_headlines, [Role.MANAGER], order=20)
        # Often enough that a batch whose worker died is taken over within a lease or two.
        register_periodic("promotions.voucher_batches_resume", "promotions.voucher_batches_resume", 30)

        from customers.registry import register_customer_fk, register_erase, register_export

        # A merge moves the duplicate's vouchers and redemptions to the survivor. (Per-customer
        # use counts of shared codes stay with the duplicate: moving them could collide.)
        register_customer_fk("promotions.Voucher", "customer")
        register_customer_fk("promotions.Redemption", "customer")
        register_export("promotions", _export)
        register_erase(_erase)


def _export(customer):
    from .selectors import customer_promotions_export

    return customer_promotions_export(customer)


def _erase(customer) -> None:
    from .services import customer_promotions_erase

    customer_promotions_erase(customer)
