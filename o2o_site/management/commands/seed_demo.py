import logging

from django.core.management.base import BaseCommand

from o2o_site.demo import DEMO_PASSWORD, DEMO_USERS, run_all


class Command(BaseCommand):
    help = "Creates demo data for every app (idempotent) and prints the demo logins."

    def handle(self, *args, **options):
        # With no broker, tasks run inline: keep their per-task log lines off the demo console.
        for name in ("celery.app.trace", "customers.messages"):
            logging.getLogger(name).setLevel(logging.WARNING)

        def out(line: str) -> None:
            self.stdout.write(line)

        out("Seeding demo data…")
        run_all(out)
        out("")
        out(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        for username, full_name, role in DEMO_USERS:
            out(f"  {role.label:<14} {username:<12} {full_name}")
