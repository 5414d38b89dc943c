"""
WSGI config for o2o_site project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o_site.settings")
# Web requests only (not migrations, not Celery): PostgreSQL cancels a statement after this
# long, below gunicorn's worker timeout (o2o_site/gunicorn.conf.py), so a slow query answers
# 503 with the error body instead of a killed worker. 0 turns it off.
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "25000")

application = get_wsgi_application()
