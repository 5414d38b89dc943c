"""Benchmarks of the counter's hot paths.

- `faults.redis_down_redeem`: redemptions per second through HTTP with Redis (cache and broker)
  up and stopped, alternating in one run; the ratio down/up (aim >= 0.8) and failures (0).

- `promotions.voucher_validate`: latency of POST /api/v1/vouchers/validate/ through the whole
  Django stack (test client, no network), with automatic promotions in play.
- `promotions.redeem_throughput`: redemptions per second through the real HTTP path: a real
  server (gunicorn, one sync worker per core, DEBUG off, persistent DB connections; else
  `runserver --noreload`) in a subprocess against the bench's scratch database, 8 concurrent
  clients with token auth and Idempotency-Key headers (gunicorn's sync workers close each
  connection, so each request reconnects). The same run measures the raw SQL of a safe
  redemption (guarded UPDATE + INSERT, one transaction, 8 threads) and reports the ratio.
  It also says where the CPU went while the API was measured: the load generator (this
  process), the server's processes, the server's PostgreSQL backends, and the rest of the
  machine (other people's work on a shared box), with the rate the cores could sustain if the
  benchmark had the machine to itself (`cpu_bound_ceiling_per_s`). Read throughput next to
  `others_cpu_ms_per_op` and the load average: on a shared 2-core machine they move it most.
  Env: PROMOTIONS_BENCH_WORKERS, PROMOTIONS_BENCH_THREADS, PROMOTIONS_BENCH_WORKER_CLASS.
- `promotions.redeem_inprocess` / `redeem_inprocess_personal`: one client through the Django
  test client, SQL queries per redemption; the personal variant (a customer's voucher of a
  campaign) also times customers' `record_activity` and includes what runs on commit.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from o2o_site.bench import BenchContext, QueryCounter, measure, register, summarize
from o2o_site.demo import demo_user
from o2o_site.roles import Role

CLIENTS = 8


def _world(tag: str):
    from channels.models import Store

    from . import services

    store, _ = Store.objects.get_or_create(code=f"bench-{tag}", defaults={"name": f"Bench {tag}"})
    now = timezone.now()
    period = {"valid_from": now - dt.timedelta(days=1), "valid_to": now + dt.timedelta(days=30)}
    from .models import Promotion

    if not Promotion.objects.filter(name="bench 10%").exists():
        services.promotion_create(name="bench 10%", kind="percent_bill", percent=10, priority=1, **period)
        services.promotion_create(
            name="bench threshold", kind="threshold", threshold=1_000_000, amount=100_000, priority=2, **period
        )
    return store, period


def _vouchers(count: int, period: dict, tag: str, customer_ids: list[int] | None = None) -> list[str]:
    """Many single-use vouchers at once (bulk: the benchmark measures redeeming, not issuing);
    with `customer_ids`, personal ones spread over those customers (each redemption then lands
    on a timeline and queues a segment refresh, as in the shops)."""
    from .codes import generate_code
    from .models import Voucher

    rows = [
        Voucher(
            code=f"{tag[:4].upper()}{generate_code(12)}",
            kind=Voucher.Kind.PERSONAL if customer_ids else Voucher.Kind.SHARED,
            customer_id=customer_ids[i % len(customer_ids)] if customer_ids else None,
            discount_type="fixed",
            discount_value=50_000,
            usage_limit=1,
            store_only=True,
            **period,
        )
        for i in range(count)
    ]
    Voucher.objects.bulk_create(rows, batch_size=1000)
    from o2o_site.db import tables_analyze

    tables_analyze(Voucher)  # planned on real sizes, as autovacuum would
    return [r.code for r in rows]


@register("promotions.voucher_validate")
def voucher_validate(ctx: BenchContext) -> dict:
    from django.test import Client

    store, period = _world("validate")
    cashier = demo_user("bench-cashier-validate", "Bench Cashier", Role.CASHIER, is_staff=False)
    store.staff.add(cashier)
    codes = _vouchers(max(50, ctx.n(500)), period, "val")
    client = Client()
    client.force_login(cashier)

    def validate(i: int) -> None:
        response = client.post(
            "/api/v1/vouchers/validate/",
            {"code": codes[i % len(codes)], "basket": {"total": 1_500_000}},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content

    return measure(validate, iterations=ctx.iterations)


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc); 0 if it is gone or not Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _tree_cpu_s(root: int) -> float:
    """CPU seconds of a process and its children (the gunicorn master and its workers)."""
    total = _proc_cpu_s(root)
    try:
        children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(_proc_cpu_s(int(pid)) for pid in children)


def _database_backend_pids() -> list[int]:
    """The PostgreSQL backends serving the bench's scratch database (the server's persistent
    connections), this process's own idle connection left out; [] when not PostgreSQL."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, every core (Linux /proc/stat)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / tick, sum(values[:8]) / tick


class _CpuWatch:
    """Where the CPU went during one measured phase: this process (the load generator), the
    server's processes, and the whole machine (PostgreSQL and other users' work included).
    On a 2-core box shared with others, a throughput figure means little without these."""

    def __init__(self, server_pid: int | None = None):
        self.server_pid = server_pid

    def __enter__(self):
        # Only with a server: its connections live through the phase (CONN_MAX_AGE), so their
        # backends' CPU can be read at both ends; the raw SQL threads' backends exit with them.
        self._backends = _database_backend_pids() if self.server_pid else []
        self._postgres = sum(_proc_cpu_s(pid) for pid in self._backends)
        self._server = _tree_cpu_s(self.server_pid) if self.server_pid else 0.0
        self._busy, self._total = _machine_cpu()
        self._client = time.process_time()
        self.load_before = round(os.getloadavg()[0], 2)
        return self

    def __exit__(self, *exc):
        self.client_s = time.process_time() - self._client
        busy, total = _machine_cpu()
        self.machine_busy_s, self.machine_total_s = busy - self._busy, total - self._total
        self.server_s = (_tree_cpu_s(self.server_pid) - self._server) if self.server_pid else None
        self.postgres_s = (sum(_proc_cpu_s(pid) for pid in self._backends) - self._postgres) if self._backends else None
        self.load_after = round(os.getloadavg()[0], 2)

    def report(self, operations: int, prefix: str) -> dict:
        def per_op(seconds):
            return round(seconds * 1000 / operations, 3) if operations and seconds is not None else None

        out = {
            f"{prefix}client_cpu_ms_per_op": per_op(self.client_s),
            f"{prefix}machine_busy_cpu_ms_per_op": per_op(self.machine_busy_s),
            f"{prefix}machine_busy_percent": round(100 * self.machine_busy_s / self.machine_total_s, 1)
            if self.machine_total_s
            else None,
            f"{prefix}client_share_of_busy_cpu": round(self.client_s / self.machine_busy_s, 3)
            if self.machine_busy_s
            else None,
            f"{prefix}load_average_1m": [self.load_before, self.load_after],
        }
        if self.server_s is not None:
            own = self.client_s + self.server_s + (self.postgres_s or 0.0)
            out.update(
                {
                    f"{prefix}server_cpu_ms_per_op": per_op(self.server_s),
                    f"{prefix}postgres_cpu_ms_per_op": per_op(self.postgres_s),
                    # What this benchmark itself burnt per redemption (load generator + server +
                    # its database backends); the rest of the busy CPU was other people's work.
                    f"{prefix}own_cpu_ms_per_op": per_op(own),
                    f"{prefix}others_cpu_ms_per_op": per_op(max(0.0, self.machine_busy_s - own)),
                    # The rate the cores could sustain if the machine ran only this benchmark.
                    f"{prefix}cpu_bound_ceiling_per_s": round(operations * (os.cpu_count() or 1) / own, 1)
                    if own
                    else None,
                }
            )
        return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _start_server(port: int, extra_env: dict | None = None) -> tuple[subprocess.Popen, str]:
    root = Path(settings.BASE_DIR)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "600",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        **(extra_env or {}),
    }
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
    if gunicorn:
        # A redemption is CPU-bound Python (threads would share a GIL), so processes; but one per
        # core, no more: with 8 workers on 2 cores (plus PostgreSQL and the clients) the box spent
        # its time switching between them; each redemption cost more CPU (5.5 ms with 2 workers,
        # 7.4 with 8) and the server served half as many. 3 workers measured about as 2.
        workers = os.environ.get("PROMOTIONS_BENCH_WORKERS") or str(os.cpu_count() or 1)
        threads = os.environ.get("PROMOTIONS_BENCH_THREADS") or "1"
        worker_class = os.environ.get("PROMOTIONS_BENCH_WORKER_CLASS") or "sync"
        cmd = [
            gunicorn,
            "o2o_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            workers,
            "--threads",
            threads,
            "--worker-class",
            worker_class,
            "--log-level",
            "warning",
        ]
        kind = f"gunicorn {workers} {worker_class} workers x {threads} threads"
    else:
        cmd = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
        kind = "runserver --noreload (threaded)"
    process = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return process, kind
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not start: {process.stderr.read()[:500] if process.stderr else ''}")


def _http_redeem(port: int, token: str, codes: list[str]) -> tuple[list[float], int]:
    latencies, failures = [], 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for code in codes:
        body = json.dumps({"code": code, "basket": {"total": 1_500_000}})
        headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/vouchers/redeem/", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - t0)
        if response.status != 201:
            failures += 1
    conn.close()
    return latencies, failures


def _raw_sql_redeem(voucher_ids: list[int], store_id: int, cashier_id: int) -> list[float]:
    """The safe redemption in raw SQL: guarded UPDATE then INSERT, one transaction per use."""
    from django.db import transaction

    latencies = []
    now = timezone.now()
    try:
        for voucher_id in voucher_ids:
            t0 = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE promotions_voucher SET used_count = used_count + 1 "
                    "WHERE id = %s AND status = 'active' AND used_count < usage_limit",
                    [voucher_id],
                )
                assert cursor.rowcount == 1
                cursor.execute(
                    "INSERT INTO promotions_redemption (voucher_id, status, store_id, channel_code, cashier_id, "
                    "order_ref, basket, basket_total, discount, total, idempotency_key, request_hash, redeemed_at, "
                    "void_reason) VALUES (%s, 'active', %s, '', %s, '', %s, 1500000, 50000, 1300000, %s, '', %s, '')",
                    [voucher_id, store_id, cashier_id, '{"total": 1500000}', uuid.uuid4().hex, now],
                )
            latencies.append(time.perf_counter() - t0)
    finally:
        connections.close_all()
    return latencies


def _parallel(work, chunks) -> tuple[list[float], float, int]:
    results: list = [None] * len(chunks)

    def run(i):
        results[i] = work(i, chunks[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(chunks))]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies, failures = [], 0
    for item in results:
        if isinstance(item, tuple):
            latencies.extend(item[0])
            failures += item[1]
        else:
            latencies.extend(item or [])
    return latencies, wall, failures


@register("promotions.redeem_throughput")
def redeem_throughput(ctx: BenchContext) -> dict:
    from rest_framework.authtoken.models import Token

    from .models import Voucher

    store, period = _world("redeem")
    total = max(CLIENTS * 25, ctx.n(2000))
    tokens = []
    for i in range(CLIENTS):
        cashier = demo_user(f"bench-cashier-{i}", f"Bench Cashier {i}", Role.CASHIER, is_staff=False)
        store.staff.add(cashier)
        tokens.append(Token.objects.get_or_create(user=cashier)[0].key)

    # Raw SQL first, on its own vouchers, 8 threads.
    raw_codes = _vouchers(total, period, "raw")
    raw_ids = list(Voucher.objects.filter(code__in=raw_codes).values_list("pk", flat=True))
    cashier_id = Token.objects.get(key=tokens[0]).user_id
    with _CpuWatch() as raw_cpu:
        raw_latencies, raw_wall, _ = _parallel(
            lambda _i, ids: _raw_sql_redeem(ids, store.pk, cashier_id), [raw_ids[i::CLIENTS] for i in range(CLIENTS)]
        )
    raw = summarize(raw_latencies, raw_wall)

    # Then the API through a real server.
    codes = _vouchers(total, period, "api")
    port = _free_port()
    process, server_kind = _start_server(port)
    try:
        warm = _vouchers(CLIENTS * 3, period, "wrm")
        _parallel(lambda i, c: _http_redeem(port, tokens[i], c), [warm[i::CLIENTS] for i in range(CLIENTS)])
        chunks = [codes[i::CLIENTS] for i in range(CLIENTS)]
        with _CpuWatch(process.pid) as api_cpu:
            latencies, wall, failures = _parallel(lambda i, c: _http_redeem(port, tokens[i], c), chunks)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    api = summarize(latencies, wall)
    used = Voucher.objects.filter(code__in=codes, used_count=1).count()
    return {
        **api,
        "clients": CLIENTS,
        "server": server_kind,
        "failures": failures,
        "vouchers_used": used,
        "raw_sql_throughput_per_s": raw["throughput_per_s"],
        "raw_sql_p95_ms": raw["p95_ms"],
        "api_to_raw_sql_ratio": round(api["throughput_per_s"] / raw["throughput_per_s"], 3)
        if raw["throughput_per_s"]
        else None,
        "cpu_cores": os.cpu_count(),
        **api_cpu.report(api["operations"], ""),
        **raw_cpu.report(raw["operations"], "raw_sql_"),
    }


@register("promotions.redeem_inprocess")
def redeem_inprocess(ctx: BenchContext) -> dict:
    """One client, no network: the CPU and SQL cost of one redemption through the whole stack."""
    from django.test import Client

    store, period = _world("inproc")
    cashier = demo_user("bench-cashier-inproc", "Bench Cashier", Role.CASHIER, is_staff=False)
    store.staff.add(cashier)
    codes = _vouchers(ctx.iterations + 10, period, "inp")
    client = Client()
    client.force_login(cashier)

    def redeem(i: int) -> None:
        response = client.post(
            "/api/v1/vouchers/redeem/",
            {"code": codes[i], "basket": {"total": 1_500_000}},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        assert response.status_code == 201, response.content

    return measure(lambda i: redeem(i + 5), iterations=ctx.iterations, warmup=0) if redeem(0) is None else {}


@register("promotions.redeem_inprocess_personal")
def redeem_inprocess_personal(ctx: BenchContext) -> dict:
    """As redeem_inprocess, with personal vouchers of a campaign: each redemption also writes the
    customer's timeline entry (customers' `record_activity`), timed and counted on its own."""
    from django.test import Client

    from customers import services as customer_services

    from . import services
    from .models import Voucher

    store, period = _world("personal")
    cashier = demo_user("bench-cashier-personal", "Bench Cashier", Role.CASHIER, is_staff=False)
    store.staff.add(cashier)
    today = timezone.localdate()
    campaign = services.campaign_create(
        name="bench personal",
        utm_campaign=f"bench-personal-{uuid.uuid4().hex[:8]}",
        utm_source="zalo",
        utm_medium="oa",
        journey_stage="conversion",
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
    )
    customers = [
        customer_services.customer_resolve(
            full_name=f"Bench {i}", email=f"bench-{i}-{uuid.uuid4().hex[:6]}@example.com"
        ).customer
        for i in range(ctx.iterations + 10)
    ]
    from .codes import generate_code

    vouchers = Voucher.objects.bulk_create(
        [
            Voucher(
                code=f"PRS{generate_code(12)}",
                kind=Voucher.Kind.PERSONAL,
                customer=customer,
                campaign=campaign,
                discount_type="fixed",
                discount_value=50_000,
                usage_limit=1,
                **period,
            )
            for customer in customers
        ]
    )
    client = Client()
    client.force_login(cashier)

    timeline = {"seconds": 0.0, "calls": 0}
    counter = QueryCounter()
    original = customer_services.record_activity

    def timed_record_activity(**kwargs):
        t0 = time.perf_counter()
        with connection.execute_wrapper(counter):
            try:
                return original(**kwargs)
            finally:
                timeline["seconds"] += time.perf_counter() - t0
                timeline["calls"] += 1

    def redeem(i: int) -> None:
        response = client.post(
            "/api/v1/vouchers/redeem/",
            {"code": vouchers[i].code, "basket": {"total": 1_500_000}},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        assert response.status_code == 201, response.content

    redeem(0)
    customer_services.record_activity = timed_record_activity
    try:
        result = measure(lambda i: redeem(i + 5), iterations=ctx.iterations, warmup=0)
    finally:
        customer_services.record_activity = original
    calls = timeline["calls"] or 1
    return {
        **result,
        "record_activity_ms_per_op": round(timeline["seconds"] * 1000 / calls, 3),
        "record_activity_queries_per_op": round(counter.count / calls, 2),
        "record_activity_share_of_mean": round(timeline["seconds"] * 1000 / calls / result["mean_ms"], 3)
        if result["mean_ms"]
        else None,
    }


@register("faults.redis_down_redeem")
def redis_down_redeem(ctx: BenchContext) -> dict:
    """Redemptions per second through HTTP (gunicorn, 8 clients) with Redis — the cache of the
    failed-code limiter and the Celery broker — up, then stopped, alternating twice, in one run.
    Personal vouchers, so each redemption also writes a timeline entry and queues a segment
    refresh through the outbox. Aim: down >= 0.8 x up, and 0 failures either way."""
    from rest_framework.authtoken.models import Token

    from customers.models import Customer
    from o2o_site.testing import RedisServer

    from .models import Voucher

    if not shutil.which("redis-server") and not os.path.exists("/usr/bin/redis-server"):
        return {"skipped": "needs redis-server"}
    store, period = _world("faults")
    tokens = []
    for i in range(CLIENTS):
        cashier = demo_user(f"bench-faults-cashier-{i}", f"Bench Cashier {i}", Role.CASHIER, is_staff=False)
        store.staff.add(cashier)
        tokens.append(Token.objects.get_or_create(user=cashier)[0].key)
    customers = Customer.objects.bulk_create([Customer(full_name=f"Khách bench {i}") for i in range(200)])
    customer_ids = [c.pk for c in customers]
    per_round = max(CLIENTS * 10, ctx.n(600))
    redis = RedisServer().start()
    port = _free_port()
    process, server_kind = _start_server(
        port,
        {"REDIS_URL": redis.url, "CELERY_BROKER_URL": redis.url, "CELERY_TASK_ALWAYS_EAGER": "false"},
    )
    rounds: dict[str, list] = {"up": [], "down": []}
    failures = {"up": 0, "down": 0}
    try:
        warm = _vouchers(CLIENTS * 3, period, "fwm", customer_ids)
        _parallel(lambda i, c: _http_redeem(port, tokens[i], c), [warm[i::CLIENTS] for i in range(CLIENTS)])
        for state in ("up", "down", "up", "down"):
            if state == "down":
                redis.stop()
            elif redis.process is None:
                redis.start()
                time.sleep(11)  # past the pauses after an outage (cache 5 s, broker 10 s)
            codes = _vouchers(per_round, period, f"f{state[0]}", customer_ids)
            latencies, wall, failed = _parallel(
                lambda i, c: _http_redeem(port, tokens[i], c), [codes[i::CLIENTS] for i in range(CLIENTS)]
            )
            rounds[state].append((latencies, wall))
            failures[state] += failed
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        redis.stop()

    def combined(state: str) -> dict:
        latencies = [x for lat, _w in rounds[state] for x in lat]
        return summarize(latencies, sum(w for _l, w in rounds[state]))

    up, down = combined("up"), combined("down")
    from o2o_site.models import OutboxTask

    return {
        "clients": CLIENTS,
        "server": server_kind,
        "redemptions_per_round": per_round,
        "up_throughput_per_s": up["throughput_per_s"],
        "down_throughput_per_s": down["throughput_per_s"],
        "down_to_up_ratio": round(down["throughput_per_s"] / up["throughput_per_s"], 3)
        if up["throughput_per_s"]
        else None,
        "up_p95_ms": up["p95_ms"],
        "down_p95_ms": down["p95_ms"],
        "failures_up": failures["up"],
        "failures_down": failures["down"],
        "vouchers_used": Voucher.objects.filter(used_count=1, code__startswith="F").count(),
        "outbox_unsent_after": OutboxTask.objects.filter(sent_at__isnull=True).count(),
        "cpu_cores": os.cpu_count(),
    }
