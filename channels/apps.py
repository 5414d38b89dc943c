from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "channels"
    verbose_name = _("Kênh bán hàng")

    def ready(self) -> None:
        from o2o_site import dashboard, navigation
        from o2o_site.celery import register_periodic
        from o2o_site.roles import Role

        from . import selectors

        navigation.register(_("Đồng bộ kênh"), "channels:sync-status", [Role.MANAGER, Role.INVENTORY], order=30)
        navigation.register(_("Đơn hàng"), "channels:orders", [Role.MANAGER, Role.INVENTORY], order=31)
        navigation.register(_("Mục tiêu kênh"), "channels:goals", [Role.MANAGER, Role.MARKETING], order=32)
        navigation.register(
            _("Nhận tại cửa hàng"), "channels:pickups", [Role.MANAGER, Role.CASHIER, Role.INVENTORY], order=33
        )
        dashboard.register("channels", selectors.dashboard_headlines, [Role.MANAGER], order=10)
        register_periodic("channels-sync-due", "channels.sync_due", 60.0)
        register_periodic("channels-inbound-due", "channels.inbound_due", 60.0)
        register_periodic("channels-pickups-release", "channels.pickups_release_due", 900.0)
        register_periodic("channels-orders-backfill", "channels.orders_backfill_due", 600.0)
        self._register_with_customers()

    def _register_with_customers(self) -> None:
        try:
            from customers import registry
        except ImportError:  # customers' registry not landed yet
            return
        from .privacy import erase_customer, export_customer

        registry.register_customer_fk("channels.Order", "customer")
        registry.register_customer_fk("channels.CheckIn", "customer")
        if hasattr(registry, "register_export"):
            registry.register_export("channels", export_customer)
        if hasattr(registry, "register_erase"):
            registry.register_erase(erase_customer)
