"""Trigram (pg_trgm) indexes for customer search, created on PostgreSQL only.

SQLite first runs skip them: search still works there (LIKE), only slower. The reversed-phone
prefix index uses varchar_pattern_ops so LIKE 'x%' can use it whatever the collation.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customer_search_name_trgm ON customers_customer USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_value_trgm ON customers_contactpoint USING gin (value gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_phone_suffix_like ON customers_contactpoint "
    "(search_value varchar_pattern_ops) WHERE kind = 'phone' AND NOT is_blocked",
]
BACKWARD = [
    "DROP INDEX IF EXISTS contact_phone_suffix_like",
    "DROP INDEX IF EXISTS contact_value_trgm",
    "DROP INDEX IF EXISTS customer_search_name_trgm",
]


class PostgresOnlySQL(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, forward, backward):
        self.forward, self.backward = forward, backward

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            for sql in self.forward:
                schema_editor.execute(sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            for sql in self.backward:
                schema_editor.execute(sql)

    def describe(self):
        return "Trigram search indexes (PostgreSQL only)"


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_activity_blockedidentifier_consentevent_consentstate_and_more"),
    ]

    operations = [PostgresOnlySQL(FORWARD, BACKWARD)]
