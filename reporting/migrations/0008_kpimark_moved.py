"""The ledger of changed days (`KpiMark`) now belongs to `processes` (processes/0007 took it over
in Django's state; the table `reporting_kpimark` stays): remove it from `reporting`'s state,
nothing in the database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0007_sla_models_moved'),
        ('processes', '0007_kpimark_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='KpiMark',
                ),
            ],
            database_operations=[],
        ),
    ]
