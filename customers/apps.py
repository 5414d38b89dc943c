from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "customers"
    verbose_name = _("Khách hàng")

    def ready(self) -> None:
        from celery.schedules import crontab

        from o2o_site import navigation
        from o2o_site.celery import register_periodic
        from o2o_site.roles import Role

        navigation.register(_("Khách hàng"), "customers:list", [Role.MANAGER, Role.MARKETING, Role.AGENT], order=20)
        navigation.register(_("Nhật ký truy cập"), "customers:access-log", [Role.MANAGER], order=21)
        register_periodic("customers.messages_retry_due", "customers.messages_retry_due", 60)
        register_periodic("customers.points_expire_due", "customers.points_expire_due", crontab(hour=1, minute=15))
        register_periodic("customers.duplicates_scan", "customers.duplicates_scan", crontab(hour=2, minute=30))
