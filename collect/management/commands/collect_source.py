from django.core.management.base import BaseCommand, CommandError

from o2o_site.api import DomainError

from ...models import Source
from ...services import source_create


class Command(BaseCommand):
    help = "Creates an event source and prints its write key (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--kind", default=Source.Kind.WEBSITE, choices=Source.Kind.values)
        parser.add_argument(
            "--consent-default", default=Source.ConsentDefault.ANALYTICS, choices=Source.ConsentDefault.values
        )

    def handle(self, *args, **options):
        try:
            made = source_create(name=options["name"], kind=options["kind"], consent_default=options["consent_default"])
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.fields}")
        self.stdout.write(made.write_key)
