from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "customers"
    verbose_name = _("Khách hàng")

    def ready(self) -> None:
        from o2o_site import navigation
        from o2o_site.roles import Role

        navigation.register(_("Khách hàng"), "customers:list", [Role.MANAGER, Role.MARKETING, Role.AGENT], order=20)
