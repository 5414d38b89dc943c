"""The application's PostgreSQL connections are tuned for short OLTP statements."""

import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_application_connections_run_without_jit():
    # given / when: the connection Django opens for a request
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        (jit,) = cursor.fetchone()
    # then: PostgreSQL never spends a statement's time compiling it
    assert jit == "off"
