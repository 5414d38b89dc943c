from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "collect"
    verbose_name = _("Thu thập sự kiện")

    def ready(self) -> None:
        from o2o_site import navigation
        from o2o_site.celery import register_periodic
        from o2o_site.roles import Role

        navigation.register(_("Nguồn sự kiện"), "collect:sources", [Role.MANAGER, Role.MARKETING], order=47)
        # Raw events whose task never ran (broker down) or that waited for an identity.
        register_periodic("collect.events_process_pending", "collect.events_process_pending", 60)

        from customers.registry import register_customer_fk

        # A merge moves the duplicate's device/user ids and form submissions to the survivor.
        register_customer_fk("collect.Identity", "customer")
        register_customer_fk("collect.LeadSubmission", "customer")
