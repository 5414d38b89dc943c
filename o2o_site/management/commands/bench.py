import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

from o2o_site.bench import BenchContext, database_description, discover


class Command(BaseCommand):
    help = (
        "Runs the registered benchmarks in a scratch database and prints one JSON document: "
        "p50/p95/p99 latency, throughput and SQL queries per operation for each."
    )

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="only these benchmarks (prefix match)")
        parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
        parser.add_argument("--iterations", type=int, default=200)
        parser.add_argument("--scale", type=float, default=1.0, help="data-size multiplier (0.1 for a quick run)")
        parser.add_argument("--keepdb", action="store_true", help="reuse the scratch database")

    def handle(self, *args, **options):
        registry = discover()
        if options["list"]:
            for name in registry:
                self.stdout.write(name)
            return
        wanted = options["names"]
        selected = {n: fn for n, fn in registry.items() if not wanted or any(n.startswith(w) for w in wanted)}
        if not selected:
            raise CommandError(f"No benchmark matches {wanted}. Known: {', '.join(registry)}")

        ctx = BenchContext(iterations=options["iterations"], scale=options["scale"])
        # A scratch database (test_<name>), so benchmarks never write into real data.
        old_config = setup_databases(verbosity=0, interactive=False, keepdb=options["keepdb"])
        report = {"database": database_description(), "benchmarks": {}}
        try:
            for name, fn in selected.items():
                self.stderr.write(f"bench {name}…")
                started = time.perf_counter()
                try:
                    result = fn(ctx)
                except Exception as exc:  # one broken benchmark must not hide the others
                    result = {"error": f"{exc.__class__.__name__}: {exc}"}
                result["wall_s"] = round(time.perf_counter() - started, 2)
                report["benchmarks"][name] = result
        finally:
            connection.close()
            teardown_databases(old_config, verbosity=0, keepdb=options["keepdb"])
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
