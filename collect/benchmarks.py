"""Benchmarks of the collector.

- `collect.batch_ingest`: events accepted per second through the real HTTP path: gunicorn (the
  server promotions' benchmark starts: one sync worker per core, DEBUG off, persistent DB
  connections) against the scratch database, 8 concurrent clients each sending 100-event
  Segment batches with HTTP Basic write keys. A Redis started for the run is the Celery broker,
  so the request does what it does in production (validate, one INSERT, enqueue) and the
  processing task waits in the queue; without `redis-server` on the PATH processing runs inline
  and the figure says so. Floor, in the same run: the same rows inserted by raw SQL, one
  multi-row INSERT … ON CONFLICT DO NOTHING per 100 rows, 8 threads.
- `collect.process`: raw events turned into timeline rows per second by `events_process` (its
  real batches: row locks, identity lookups, mapping, one bulk INSERT of activities, the raw
  rows' state update), for anonymous ids already tied to customers, with UTM codes on a share
  of them. Floor: the raw-SQL INSERT of the same activity rows.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager

from django.db import connection, connections, transaction
from django.utils import timezone

from o2o_site.bench import BenchContext, register, summarize

CLIENTS = 8
BATCH = 100


def _event(i: int, anon: str, now: str) -> dict:
    kinds = ("Product Viewed", "Product Added", "Checkout Started")
    body = {
        "type": "track" if i % 4 else "page",
        "messageId": str(uuid.uuid4()),
        "anonymousId": anon,
        "timestamp": now,
        "properties": {"name": "Áo dài lụa", "price": 450000, "sku": f"AD-{i % 50}"},
        "context": {
            "library": {"name": "analytics-python", "version": "2.4.0"},
            "page": {
                "url": f"https://shop.vn/p/{i % 50}" + ("?utm_source=google&utm_campaign=bench" if i % 10 == 0 else "")
            },
            "userAgent": "Mozilla/5.0 (Linux; Android 14) Chrome/130 Mobile",
        },
    }
    if body["type"] == "track":
        body["event"] = kinds[i % 3]
    return body


@contextmanager
def _redis():
    """A throwaway Redis for the run (the broker), or None when there is no redis-server."""
    binary = shutil.which("redis-server")
    if not binary:
        yield None
        return
    from promotions.benchmarks import _free_port

    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.3)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def _environ(**values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if v is not None})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _http_batches(port: int, key: str, bodies: list[bytes]) -> tuple[list[float], int]:
    import http.client

    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    latencies, failures = [], 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for body in bodies:
        t0 = time.perf_counter()
        try:
            conn.request(
                "POST",
                "/collect/v1/batch",
                body=body,
                headers={"Authorization": auth, "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            failures += 1
            continue
        latencies.append(time.perf_counter() - t0)
        if response.status != 200 or json.loads(payload).get("accepted") != BATCH:
            failures += 1
    conn.close()
    return latencies, failures


def _raw_insert(source_id: int, batches: list[list[dict]]) -> list[float]:
    """The floor: the same raw rows, one multi-row INSERT per batch, each its own transaction."""
    latencies = []
    try:
        for batch in batches:
            now = timezone.now()
            t0 = time.perf_counter()
            values, params = [], []
            for e in batch:
                values.append("(%s, %s, %s, %s, '', %s, %s, %s, 'pending')")
                params += [source_id, e["messageId"], e["type"], e["anonymousId"], now, now, json.dumps(e)]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO collect_rawevent (source_id, message_id, type, anonymous_id, user_id, occurred_at,"
                    f" received_at, payload, state) VALUES {', '.join(values)}"
                    " ON CONFLICT (source_id, message_id) DO NOTHING",
                    params,
                )
            latencies.append(time.perf_counter() - t0)
    finally:
        connections.close_all()
    return latencies


def _parallel(work, chunks) -> tuple[list, float]:
    results: list = [None] * len(chunks)

    def run(i):
        results[i] = work(i, chunks[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(chunks))]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


@register("collect.batch_ingest")
def batch_ingest(ctx: BenchContext) -> dict:
    from promotions.benchmarks import _CpuWatch, _free_port, _start_server

    from .models import RawEvent
    from .services import source_create

    made = source_create(name=f"bench-{uuid.uuid4().hex[:6]}", kind="website")
    raw_source = source_create(name=f"bench-raw-{uuid.uuid4().hex[:6]}", kind="website").source
    per_client = max(5, ctx.n(40))
    now = timezone.now().isoformat()

    def batches(tag: str) -> list[list[dict]]:
        return [
            [_event(i, f"{tag}-{c}-{b}-{i % 20}", now) for i in range(BATCH)]
            for c in range(CLIENTS)
            for b in range(per_client)
        ]

    # The floor first: raw SQL, 8 threads.
    raw = batches("raw")
    with _CpuWatch() as raw_cpu:
        raw_results, raw_wall = _parallel(
            lambda _i, chunk: _raw_insert(raw_source.pk, chunk), [raw[i::CLIENTS] for i in range(CLIENTS)]
        )
    raw_latencies = [x for r in raw_results for x in r]
    raw_summary = summarize(raw_latencies, raw_wall)

    api = [json.dumps({"batch": b, "sentAt": now}).encode() for b in batches("api")]
    warm = [json.dumps({"batch": b, "sentAt": now}).encode() for b in batches("warm")[: CLIENTS * 2]]
    with _redis() as broker:
        env = {"COLLECT_EVENTS_PER_MINUTE_PER_IP": "0", "CELERY_BROKER_URL": broker}
        with _environ(**env):
            port = _free_port()
            process, server_kind = _start_server(port)
        try:
            _parallel(
                lambda _i, chunk: _http_batches(port, made.write_key, chunk), [warm[i::CLIENTS] for i in range(CLIENTS)]
            )
            with _CpuWatch(process.pid) as api_cpu:
                results, wall = _parallel(
                    lambda _i, chunk: _http_batches(port, made.write_key, chunk),
                    [api[i::CLIENTS] for i in range(CLIENTS)],
                )
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    latencies = [x for r in results for x in r[0]]
    failures = sum(r[1] for r in results)
    summary = summarize(latencies, wall)
    events = len(latencies) * BATCH
    stored = RawEvent.objects.filter(source=made.source).count()
    return {
        **summary,
        "unit": "one request = one 100-event batch",
        "events_per_s": round(events / wall, 1),
        "raw_sql_events_per_s": round(len(raw_latencies) * BATCH / raw_wall, 1),
        "raw_sql_p95_ms": raw_summary["p95_ms"],
        "api_to_raw_sql_ratio": round((events / wall) / (len(raw_latencies) * BATCH / raw_wall), 3),
        "clients": CLIENTS,
        "batch_bytes": len(api[0]),
        "server": server_kind,
        "processing": "queued in Redis (not measured here: collect.process)" if broker else "inline (no redis-server)",
        "failures": failures,
        "events_stored": stored,
        "aim": ">= 5000 events/s, p95 <= 50 ms",
        "cpu_cores": os.cpu_count(),
        **api_cpu.report(len(latencies), ""),
        **raw_cpu.report(len(raw_latencies), "raw_sql_"),
    }


def _process_world(n_events: int, n_people: int, tag: str):
    """n_people customers whose anonymous ids are known, and n_events pending raw events."""
    from customers.models import Customer

    from .models import Identity, RawEvent
    from .services import source_create

    source = source_create(name=f"bench-process-{tag}", kind="website").source
    people = Customer.objects.bulk_create([Customer(full_name=f"Bench {tag} {i}") for i in range(n_people)])
    Identity.objects.bulk_create(
        [Identity(kind="anonymous", value=f"{tag}-anon-{i}", customer=c) for i, c in enumerate(people)]
    )
    now = timezone.now()
    stamp = now.isoformat()
    rows = []
    for i in range(n_events):
        anon = f"{tag}-anon-{i % n_people}"
        payload = _event(i, anon, stamp)
        rows.append(
            RawEvent(
                source=source,
                message_id=payload["messageId"],
                type=payload["type"],
                anonymous_id=anon,
                occurred_at=now,
                received_at=now,
                payload=payload,
            )
        )
    RawEvent.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE collect_rawevent")
        cursor.execute("ANALYZE collect_identity")
        cursor.execute("ANALYZE customers_activity")
    return source, people


@contextmanager
def _tasks_to(broker: str | None):
    """Tasks enqueued while processing (the segment refresh reports listens for) go to the
    broker, as they would from a worker; they are not run inside the measured loop."""
    from o2o_site.celery import app

    if not broker:
        yield
        return
    old = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = broker, False
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = old


def _raw_activities(source_id: int, tag: str, people: list) -> tuple[int, float]:
    """The floor: the same activity rows (a visit or product view per event, an ad click for
    those that landed with UTM codes), inserted by raw SQL, 2,000 rows a statement."""
    from .models import RawEvent

    ids = {f"{tag}-anon-{i}": c.pk for i, c in enumerate(people)}
    rows = []
    for message_id, anon, kind, payload in RawEvent.objects.filter(source_id=source_id).values_list(
        "message_id", "anonymous_id", "type", "payload"
    ):
        rows.append((ids[anon], "web_visit" if kind == "page" else "product_view", f"raw:{message_id}"))
        if "utm_campaign" in payload["context"]["page"]["url"]:
            rows.append((ids[anon], "ad_click", f"raw:{message_id}"))
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, len(rows), 2000):
        chunk = rows[start : start + 2000]
        values, params = [], []
        for customer_id, kind, ref in chunk:
            values.append("(%s, %s, %s, 'website', '', 'Áo dài lụa', 'collect', %s, NULL, NULL, %s, %s, %s)")
            params += [customer_id, kind, now, ref, '{"utm_campaign": "bench"}', '{"source": "bench"}', now]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO customers_activity (customer_id, kind, occurred_at, channel, store_code, summary,"
                " ref_type, ref_id, amount, campaign_id, utm, data, created_at)"
                f" VALUES {', '.join(values)} ON CONFLICT DO NOTHING",
                params,
            )
    return len(rows), time.perf_counter() - started


@register("collect.process")
def process(ctx: BenchContext) -> dict:
    from customers.models import Activity

    from . import conf
    from .models import RawEvent
    from .services import events_process

    n_events = max(2000, ctx.n(20_000))
    n_people = max(100, n_events // 10)
    tag = uuid.uuid4().hex[:6]
    source, people = _process_world(n_events, n_people, tag)
    before = Activity.objects.count()
    latencies = []
    with _redis() as broker, _tasks_to(broker):
        started = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            result = events_process(source_id=source.pk)
            if not result.events:
                break
            latencies.append(time.perf_counter() - t0)
        wall = time.perf_counter() - started
    rows = Activity.objects.count() - before
    done = RawEvent.objects.filter(source=source, state="done").count()
    raw_rows, raw_wall = _raw_activities(source.pk, tag, people)
    summary = summarize(latencies, wall)
    return {
        **summary,
        "unit": f"one operation = one events_process batch of up to {conf.process_batch_size()} events",
        "events": n_events,
        "events_done": done,
        "timeline_rows": rows,
        "timeline_rows_per_s": round(rows / wall, 1) if wall else None,
        "events_per_s": round(done / wall, 1) if wall else None,
        "raw_sql_rows_per_s": round(raw_rows / raw_wall, 1) if raw_wall else None,
        "rows_to_raw_sql_ratio": round((rows / wall) / (raw_rows / raw_wall), 3) if wall and raw_wall else None,
        "segment_refresh_tasks": "queued in Redis" if broker else "run inline (no redis-server)",
        "aim": ">= 10000 rows/s",
    }
