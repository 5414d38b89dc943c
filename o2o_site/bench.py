"""A small benchmark harness: `python manage.py bench` runs every registered benchmark.

Apps register their hot paths in `<app>/benchmarks.py`:

    from o2o_site.bench import register, measure

    @register("customers.search_by_phone")
    def search_by_phone(ctx):
        customers = ...build data once...
        return measure(lambda i: customer_search(q=phones[i % n]), iterations=ctx.iterations)

A benchmark returns a dict; `measure()` gives the standard one (p50/p95/p99 in ms, throughput
per second, SQL queries per operation). Benchmarks run in a scratch database that is created for
the run and dropped after, so they never touch real data; the JSON says which engine it was.
"""

from __future__ import annotations

import importlib
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import connection

_REGISTRY: dict[str, Callable] = {}


@dataclass
class BenchContext:
    iterations: int = 200
    scale: float = 1.0  # data-size multiplier; `--quick` lowers it

    def n(self, full: int, minimum: int = 1) -> int:
        return max(minimum, int(full * self.scale))


def register(name: str):
    def decorator(fn):
        _REGISTRY[name] = fn
        return fn

    return decorator


def discover() -> dict[str, Callable]:
    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.benchmarks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.benchmarks":
                raise
    return dict(sorted(_REGISTRY.items()))


class QueryCounter:
    """Counts SQL statements run on the default connection (thread-safe)."""

    def __init__(self):
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.count += 1
        return execute(sql, params, many, context)


def percentile(samples: list[float], pct: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarize(latencies_s: list[float], wall_s: float, queries: int | None = None, **extra) -> dict:
    ops = len(latencies_s)
    ms = [x * 1000 for x in latencies_s]
    result = {
        "operations": ops,
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else 0.0,
        "throughput_per_s": round(ops / wall_s, 1) if wall_s > 0 else None,
        "queries_per_op": round(queries / ops, 2) if queries is not None and ops else None,
    }
    result.update(extra)
    return result


def measure(operation: Callable[[int], object], *, iterations: int = 200, warmup: int = 5, **extra) -> dict:
    """Runs `operation(i)` `iterations` times in this thread, timing each call."""
    for i in range(warmup):
        operation(i)
    counter = QueryCounter()
    latencies = []
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        for i in range(iterations):
            t0 = time.perf_counter()
            operation(i)
            latencies.append(time.perf_counter() - t0)
        wall = time.perf_counter() - started
    return summarize(latencies, wall, counter.count, **extra)


def database_description() -> dict:
    vendor = connection.vendor
    version = ""
    try:
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SHOW server_version")
                version = cursor.fetchone()[0]
            elif vendor == "sqlite":
                cursor.execute("select sqlite_version()")
                version = cursor.fetchone()[0]
    except Exception as exc:  # the description must not hide the results
        version = f"unknown ({exc.__class__.__name__})"
    return {"vendor": vendor, "version": version, "name": connection.settings_dict.get("NAME")}
