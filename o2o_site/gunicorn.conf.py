"""gunicorn settings for production: `gunicorn -c o2o_site/gunicorn.conf.py o2o_site.wsgi`.

The worker answers a timeout with the error body (o2o_site/gunicorn_worker.py); the request line
limit is lifted to gunicorn's 1 MB fast path so that Django answers an overlong URL with 414 and
the error body (MAX_URL_LENGTH) instead of gunicorn's bare page. PostgreSQL's statement_timeout
for web processes (DB_STATEMENT_TIMEOUT_MS, set in wsgi.py) stays below `timeout`.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "o2o_site.gunicorn_worker.TimeoutAnsweringWorker"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
limit_request_line = 0
accesslog = "-"
