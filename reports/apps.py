from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Báo cáo")

    def ready(self) -> None:
        from celery.schedules import crontab
        from django.db.models.signals import post_save

        from customers.models import Activity, Purchase
        from o2o_site import navigation
        from o2o_site.celery import register_periodic
        from o2o_site.roles import Role

        from . import conf, signals

        navigation.register(_("Báo cáo"), "reports:index", [Role.MANAGER, Role.MARKETING], order=50)
        navigation.register(_("Phân khúc"), "reports:segments", [Role.MANAGER, Role.MARKETING], order=51)
        register_periodic(
            "reports.segments_recompute", "reports.segments_recompute", crontab(hour=conf.recompute_hour(), minute=0)
        )
        from customers.registry import register_erase, register_export

        from . import privacy

        register_export("reports_scores", privacy.customer_scores_export)
        register_erase(privacy.customer_scores_erase)
        post_save.connect(signals.activity_saved, sender=Activity, dispatch_uid="reports.activity_saved")
        post_save.connect(signals.purchase_saved, sender=Purchase, dispatch_uid="reports.purchase_saved")
