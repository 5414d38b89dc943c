from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "journeys"
    verbose_name = _("Hành trình chăm sóc")

    def ready(self) -> None:
        from customers.registry import register_customer_fk, register_erase, register_export
        from o2o_site import navigation
        from o2o_site.celery import register_periodic
        from o2o_site.roles import Role

        from . import conf, privacy

        navigation.register(_("Hành trình"), "journeys:list", [Role.MANAGER, Role.MARKETING], order=52)
        navigation.register(
            _("Khách tiềm năng"), "journeys:leads", [Role.CONSULTANT, Role.MANAGER, Role.MARKETING], order=53
        )
        register_periodic("journeys.tick", "journeys.tick", conf.tick_seconds())
        register_periodic("journeys.enter", "journeys.enter", conf.enter_seconds())
        register_customer_fk("journeys.Enrollment", "customer")
        register_export("journeys", privacy.customer_journeys_export)
        register_erase(privacy.customer_journeys_erase)
