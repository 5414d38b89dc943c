from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Báo cáo")

    def ready(self) -> None:
        from o2o_site import navigation
        from o2o_site.roles import Role

        navigation.register(_("Báo cáo"), "reports:index", [Role.MANAGER, Role.MARKETING], order=50)
