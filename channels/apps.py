from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "channels"
    verbose_name = _("Kênh bán hàng")

    def ready(self) -> None:
        from o2o_site import navigation
        from o2o_site.roles import Role

        navigation.register(_("Đồng bộ kênh"), "channels:sync-status", [Role.MANAGER, Role.INVENTORY], order=30)
