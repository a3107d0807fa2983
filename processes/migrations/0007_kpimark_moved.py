"""The ledger of changed days (`KpiMark`) moves from `reporting` to `processes` in Django's state
only: its table keeps its name `reporting_kpimark` (Meta.db_table), its constraint and its rows;
reporting/0008 removes it from `reporting`."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('processes', '0006_help_texts'),
        ('reporting', '0007_sla_models_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='KpiMark',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('local_date', models.DateField()),
                        ('marked_at', models.DateTimeField()),
                        ('fcr_only', models.BooleanField(db_default=False, default=False)),
                        ('process', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='processes.process')),
                    ],
                    options={
                        'db_table': 'reporting_kpimark',
                        'constraints': [models.UniqueConstraint(fields=('process', 'local_date'), name='kpimark_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
