import logging

from django.core.management.base import BaseCommand

from o2o_site.demo import DEMO_PASSWORD, demo_accounts, run_all


class Command(BaseCommand):
    help = "Creates demo data for every app (idempotent) and prints the demo logins."

    def handle(self, *args, **options):
        # With no broker, tasks run inline: keep their per-task log lines off the demo console.
        for name in ("celery.app.trace", "customers.messages"):
            logging.getLogger(name).setLevel(logging.WARNING)

        def out(line: str) -> None:
            self.stdout.write(line)

        out("Đang tạo dữ liệu demo…")
        run_all(out)
        out("")
        out(self.style.SUCCESS(f"Tài khoản demo (mật khẩu chung: {DEMO_PASSWORD}):"))
        rows = [("Vai trò", "Tên đăng nhập", "Họ tên", "Ghi chú"), *demo_accounts()]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for role, username, full_name, note in rows:
            out(f"  {role:<{widths[0]}}  {username:<{widths[1]}}  {full_name:<{widths[2]}}  {note}".rstrip())
