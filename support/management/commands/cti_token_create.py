"""`manage.py cti_token_create "Tổng đài Stringee"`: makes a CTI token and prints its key once.

`--revoke <id>` stops a token; `--list` shows the tokens (never their keys).
"""

from django.core.management.base import BaseCommand, CommandError

from o2o_site.api import DomainError
from support.cti import cti_token_create, cti_token_revoke
from support.models import CtiToken


class Command(BaseCommand):
    help = "Makes a token for the call-center system (CTI): it may post calls and call status only."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", default="", help="the CTI system's name, e.g. 'Tổng đài Stringee'")
        parser.add_argument("--revoke", type=int, metavar="ID", help="revoke the token with this id")
        parser.add_argument("--list", action="store_true", help="list the tokens")

    def handle(self, *args, name="", revoke=None, list=False, **options):
        try:
            if list:
                for t in CtiToken.objects.order_by("pk"):
                    state = "active" if t.is_active else "revoked"
                    self.stdout.write(f"{t.pk}\t{t.key_prefix}…\t{state}\t{t.name}\tlast used {t.last_used_at or '-'}")
                return
            if revoke is not None:
                token = cti_token_revoke(token_id=revoke)
                self.stdout.write(f"revoked {token.pk} ({token.name})")
                return
            token, key = cti_token_create(name=name)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"CTI token {token.pk} for {token.name}. Key (shown once, keep it in the CTI's settings):")
        self.stdout.write(key)
        self.stdout.write("Use it as: Authorization: Token <key>  on POST /api/v1/support/calls/ and …/status/")
