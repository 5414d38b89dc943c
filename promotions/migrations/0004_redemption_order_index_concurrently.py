"""The index on redemptions' new order column, built without locking the table on PostgreSQL
(redemptions grow large); the SQLite first-run database builds it the plain way."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("promotions", "0003_promotion_categories_redemption_order_basket_source"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="redemption",
            index=models.Index(fields=["order"], name="redemption_order_idx"),
        ),
    ]
