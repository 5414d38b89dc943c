"""A request that runs too long answers 503 with the error body: a query past PostgreSQL's
statement_timeout (API and screens), and a request past gunicorn's worker timeout."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

ROOT = Path(__file__).resolve().parents[2]


def _slow_query():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")
        cursor.execute("SELECT pg_sleep(2)")


class SlowApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        _slow_query()
        return Response({})


def slow_screen(request):
    _slow_query()
    return HttpResponse("done")


urlpatterns = [path("api/v1/slow/", SlowApi.as_view()), path("slow/", slow_screen)]


@pytest.mark.postgres
@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_query_past_the_statement_timeout_is_503_with_the_error_body(client):
    response = client.get("/api/v1/slow/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "timeout"
    page = client.get("/slow/")
    assert page.status_code == 503
    assert "quá nhiều thời gian" in page.content.decode()


def test_web_processes_get_a_statement_timeout_and_others_none():
    probe = (
        "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
        "DJANGO_SETTINGS_MODULE": "o2o_site.settings",
    }
    env.pop("DB_STATEMENT_TIMEOUT_MS", None)
    web = subprocess.run(
        [sys.executable, "-c", "import o2o_site.wsgi; " + probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "-c statement_timeout=25000" in web.stdout, web.stderr
    other = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "statement_timeout" not in other.stdout, other.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, timeout: float = 20) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.slow
def test_a_request_past_the_worker_timeout_answers_503_with_the_error_body():
    # given gunicorn with our config and a 2 s worker timeout, serving an app that takes 30 s
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "o2o_site/gunicorn.conf.py", "--timeout", "2",
         "--workers", "1", "--bind", f"127.0.0.1:{port}", "o2o_site.tests.slow_wsgi:application"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # when an API request and a screen request outlive the worker
        started = time.monotonic()
        api = _get(port, "/api/v1/orders/")
        screen = _get(port, "/channels/orders/")
        # then each answers 503 — JSON error body for the API, a Vietnamese page for the screen
        assert time.monotonic() - started < 25
        assert api.startswith(b"HTTP/1.1 503"), api[:200]
        assert b'"code": "timeout"' in api and b"application/json" in api
        assert screen.startswith(b"HTTP/1.1 503"), screen[:200]
        assert "quá nhiều thời gian".encode() in screen and b"text/html" in screen
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)


@pytest.mark.slow
def test_behind_gunicorn_an_overlong_url_is_414_with_the_error_body():
    # given the production server config (request-line limit lifted to gunicorn's 1 MB path)
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "o2o_site/gunicorn.conf.py", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "o2o_site.wsgi"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        _get(port, "/healthz", timeout=120)  # the worker loads Django lazily: wait until it serves
        # when a URL of 10,000 characters arrives (gunicorn's default limit is 4,094)
        answer = _get(port, "/api/v1/orders/?q=" + "a" * 10_000)
        # then Django answers it, in the error body, not gunicorn's bare page
        assert answer.startswith(b"HTTP/1.1 414"), answer[:200]
        assert b'"code": "uri_too_long"' in answer
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
