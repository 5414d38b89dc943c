"""Database housekeeping the product does itself, whatever the engine.

`tables_analyze` refreshes the planner's statistics after a bulk load (the demo seed, an import,
a benchmark's data). A live PostgreSQL has autovacuum to do it eventually; until it runs, or where
it is off, the planner believes the freshly filled tables are empty and picks nested loops that
turn a sub-second segment recompute into minutes. It must not be called per row or per request.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.db import connections, models


def _tables(model_list: Iterable[type[models.Model]]) -> list[str]:
    tables: list[str] = []
    for model in model_list:
        if model._meta.proxy or not model._meta.managed:
            continue
        tables.append(model._meta.db_table)
        tables.extend(
            f.remote_field.through._meta.db_table
            for f in model._meta.local_many_to_many
            if f.remote_field.through._meta.auto_created
        )
    return sorted(set(tables))


def tables_analyze(*model_list: type[models.Model], using: str = "default") -> list[str]:
    """Runs ANALYZE on the tables of these models (and their many-to-many tables); returns them."""
    tables = _tables(model_list)
    if not tables:
        return tables
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(quote(t) for t in tables))
        else:  # SQLite takes one table at a time; other engines keep their own statistics
            for table in tables if connection.vendor == "sqlite" else ():
                cursor.execute(f"ANALYZE {quote(table)}")
    return tables


def app_tables_analyze(app_label: str, *, using: str = "default") -> list[str]:
    """ANALYZE every table of one app, after that app's bulk load (its demo seed)."""
    return tables_analyze(*apps.get_app_config(app_label).get_models(), using=using)
