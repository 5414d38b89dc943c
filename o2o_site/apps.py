from django.apps import AppConfig
from django.db.models.signals import post_migrate


class O2OSiteConfig(AppConfig):
    name = "o2o_site"
    verbose_name = "O2O back office"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .auth import session_mark_seen

        user_logged_in.connect(session_mark_seen, dispatch_uid="o2o_site.session_mark_seen")
        from .celery import register_periodic
        from .roles import roles_sync

        register_periodic("o2o_site.outbox_drain", "o2o_site.outbox_drain", 30)
        from .api import bounded_datetimes_everywhere

        bounded_datetimes_everywhere()

        # Roles are data: the groups and their permissions follow every migrate.
        post_migrate.connect(roles_sync, dispatch_uid="o2o_site.roles_sync")
