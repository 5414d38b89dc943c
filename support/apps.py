from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "support"
    verbose_name = _("Chăm sóc khách hàng")

    def ready(self) -> None:
        from customers.registry import register_customer_fk, register_erase, register_export
        from o2o_site import dashboard, navigation
        from o2o_site.celery import register_periodic
        from o2o_site.roles import Role

        from . import conf, privacy, selectors

        navigation.register(_("Tổng đài"), "support:hotline", [Role.AGENT, Role.MANAGER], order=10)
        navigation.register(_("Yêu cầu hỗ trợ"), "support:tickets", [Role.AGENT, Role.MANAGER], order=11)
        navigation.register(_("Hài lòng"), "support:satisfaction", [Role.MANAGER], order=60)
        dashboard.register("support", selectors.dashboard_headlines, [Role.MANAGER], order=30)
        register_customer_fk("support.Ticket", "customer")
        register_customer_fk("support.CallLog", "customer")
        register_export("support_tickets", privacy.export_tickets)
        register_export("support_calls", privacy.export_calls)
        register_erase(privacy.erase)
        register_periodic(
            "support-escalate-overdue", "support.tickets_escalate_overdue", conf.escalation_interval_seconds()
        )
