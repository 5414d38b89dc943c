"""The pickup indexes on the (large) order table, built without blocking writes."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class UniqueIndexConcurrently(migrations.AddConstraint):
    """AddConstraint for a conditional unique constraint, built CONCURRENTLY on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute(
            'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "order_unique_pickup_code"'
            " ON \"channels_order\" (\"pickup_code\") WHERE NOT (\"pickup_code\" = '')"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("channels", "0007_order_click_and_collect"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(
                condition=models.Q(fulfilment="pickup"),
                fields=["store", "status", "placed_at"],
                name="order_pickup_store_status",
            ),
        ),
        UniqueIndexConcurrently(
            model_name="order",
            constraint=models.UniqueConstraint(
                condition=models.Q(("pickup_code", ""), _negated=True),
                fields=("pickup_code",),
                name="order_unique_pickup_code",
            ),
        ),
    ]
