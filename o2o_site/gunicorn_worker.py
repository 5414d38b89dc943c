"""gunicorn's sync worker, answering a worker timeout with the error body instead of a cut connection.

When a request runs past gunicorn's `timeout`, the master sends the worker SIGABRT (and SIGKILL a
moment later). Plain gunicorn exits and the client sees a dropped connection (a bare 502 behind a
proxy). Here the worker first writes a 503 on the request's socket — the API's error body under
/api/, a Vietnamese page elsewhere — if the application had not started its answer yet.
A query blocked inside PostgreSQL does not reach Python's signal handler in time; for those the
web processes' `statement_timeout` (o2o_site/wsgi.py) cancels the query first, and the API answers
503 through its exception handler. This module must not import Django at load time.
"""

from __future__ import annotations

from gunicorn.workers.sync import SyncWorker

TIMEOUT_MESSAGE = "Yêu cầu mất quá nhiều thời gian, vui lòng thử lại hoặc thu hẹp phạm vi."


def timeout_response(path: str) -> bytes:
    import json

    if path.startswith("/api/"):
        body = json.dumps(
            {"error": {"code": "timeout", "message": TIMEOUT_MESSAGE, "fields": {}}}, ensure_ascii=False
        ).encode()
        content_type = b"application/json"
    else:
        body = (
            '<!doctype html><html lang="vi"><meta charset="utf-8"><title>503</title>'
            f'<h1>503</h1><p>{TIMEOUT_MESSAGE}</p><p><a href="/">Về trang chủ</a></p></html>'
        ).encode()
        content_type = b"text/html; charset=utf-8"
    return (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
        + content_type
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nConnection: close\r\nRetry-After: 5\r\n\r\n"
        + body
    )


class TimeoutAnsweringWorker(SyncWorker):
    _in_flight: dict | None = None

    def load_wsgi(self):
        super().load_wsgi()
        application = self.wsgi

        def tracked(environ, start_response):
            self._in_flight = environ

            def started(*args, **kwargs):
                self._in_flight = None  # the application has its answer: never write a second one
                return start_response(*args, **kwargs)

            return application(environ, started)

        self.wsgi = tracked

    def handle_request(self, *args, **kwargs):
        try:
            return super().handle_request(*args, **kwargs)
        finally:
            self._in_flight = None

    def handle_abort(self, sig, frame):
        environ, self._in_flight = self._in_flight, None
        client = environ.get("gunicorn.socket") if environ else None
        if client is not None:
            try:
                client.settimeout(1)
                client.sendall(timeout_response(environ.get("PATH_INFO", "")))
            except OSError:
                pass
            self.log.warning("Worker timeout answered 503: %s", environ.get("PATH_INFO", ""))
        super().handle_abort(sig, frame)
