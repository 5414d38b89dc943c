from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "support"
    verbose_name = _("Chăm sóc khách hàng")

    def ready(self) -> None:
        from o2o_site import navigation
        from o2o_site.roles import Role

        navigation.register(_("Tổng đài"), "support:hotline", [Role.AGENT, Role.MANAGER], order=10)
