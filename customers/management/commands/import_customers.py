"""`manage.py import_customers customers.csv` — import (and deduplicate) customers from a CSV file."""

from django.core.management.base import BaseCommand, CommandError

from customers.services import customers_import_csv


class Command(BaseCommand):
    help = "Imports customers from a UTF-8 CSV (full_name, phone, email, zalo_id, …, birthday, district, city)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--source", default="import")

    def handle(self, *args, path, source, **options):
        try:
            handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Không mở được tệp: {exc}")
        with handle:
            report = customers_import_csv(
                lines=handle, source=source, progress=lambda n: self.stdout.write(f"… {n} dòng")
            )
        for line, reason in report.errors:
            self.stderr.write(f"dòng {line}: {reason}")
        self.stdout.write(
            self.style.SUCCESS(f"Tạo mới {report.created}, trùng khớp {report.matched}, lỗi {len(report.errors)}.")
        )
