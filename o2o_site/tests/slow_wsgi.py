"""A WSGI app that takes longer than the worker timeout, for the gunicorn worker test."""

import time


def application(environ, start_response):
    time.sleep(30)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"too late"]
