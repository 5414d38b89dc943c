from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "promotions"
    verbose_name = _("Khuyến mãi")

    def ready(self) -> None:
        from o2o_site import navigation
        from o2o_site.roles import Role

        navigation.register(_("Quầy thu ngân"), "promotions:cashier", [Role.CASHIER], order=40)
