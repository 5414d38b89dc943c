"""Small portable SQL functions the segment rules need (PostgreSQL first, SQLite for a first run)."""

from __future__ import annotations

from django.db.models import FloatField, Func


class EpochSeconds(Func):
    """Seconds since 1970-01-01 UTC of a datetime column, as a float."""

    output_field = FloatField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)", **extra
        )
