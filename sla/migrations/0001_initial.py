"""The report and SLA alert models move from `reporting` to `sla` in Django's state only: their
tables keep their names (Meta.db_table) and rows; reporting/0007 removes them from `reporting`."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('reporting', '0006_reportversion_snapshot'),
        ('clients', '0002_client_currency'),
        ('processes', '0006_help_texts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Report',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(help_text='First day of the reported month.')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Generating'), ('ready', 'Ready'), ('failed', 'Failed')], default='queued', max_length=16)),
                        ('error', models.TextField(blank=True, help_text='Why the last generation failed (empty when it did not).')),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='clients.client')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'reporting_report',
                        'ordering': ['-month', 'client__code'],
                    },
                ),
                migrations.CreateModel(
                    name='ReportEmailPreference',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('enabled', models.BooleanField(default=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='report_email', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'reporting_reportemailpreference',
                    },
                ),
                migrations.CreateModel(
                    name='ReportVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField()),
                        ('created_at', models.DateTimeField()),
                        ('trigger', models.CharField(default='manual', help_text='schedule, manual, api, command or demo', max_length=16)),
                        ('kpi_definition_version', models.CharField(max_length=32)),
                        ('figures_computed_at', models.DateTimeField(blank=True, null=True)),
                        ('duration_ms', models.PositiveIntegerField(default=0)),
                        ('pdf', models.CharField(max_length=255)),
                        ('xlsx', models.CharField(max_length=255)),
                        ('csv', models.CharField(max_length=255)),
                        ('pdf_size', models.PositiveIntegerField(default=0)),
                        ('xlsx_size', models.PositiveIntegerField(default=0)),
                        ('csv_size', models.PositiveIntegerField(default=0)),
                        ('summary', models.JSONField(default=dict, help_text='Targets met/missed and credits, as in the report.')),
                        ('snapshot', models.JSONField(blank=True, default=dict, help_text='Per process the figures, volumes, settings and target statuses the version was issued with (sla/reports/drift.py), to tell when the figures have changed since; empty for older versions.')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='sla.report')),
                    ],
                    options={
                        'db_table': 'reporting_reportversion',
                        'ordering': ['report', '-number'],
                    },
                ),
                migrations.CreateModel(
                    name='ReportDownload',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('fmt', models.CharField(max_length=8)),
                        ('downloaded_at', models.DateTimeField()),
                        ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='downloads', to='sla.reportversion')),
                    ],
                    options={
                        'db_table': 'reporting_reportdownload',
                        'ordering': ['-downloaded_at'],
                    },
                ),
                migrations.AddField(
                    model_name='report',
                    name='current',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='sla.reportversion'),
                ),
                migrations.CreateModel(
                    name='SlaAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('metric', models.CharField(max_length=32)),
                        ('month', models.DateField()),
                        ('state', models.CharField(help_text='met, at_risk, missed or undefined', max_length=16)),
                        ('actual', models.FloatField(null=True)),
                        ('projected', models.FloatField(null=True)),
                        ('target', models.FloatField()),
                        ('comparator', models.CharField(max_length=2)),
                        ('changed_at', models.DateTimeField()),
                        ('notified', models.PositiveIntegerField(default=0, help_text='How many people were emailed at the last change.')),
                        ('process', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='processes.process')),
                    ],
                    options={
                        'db_table': 'reporting_slaalert',
                        'ordering': ['-changed_at'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='reportversion',
                    constraint=models.UniqueConstraint(fields=('report', 'number'), name='reportversion_unique_number'),
                ),
                migrations.AddConstraint(
                    model_name='report',
                    constraint=models.UniqueConstraint(fields=('client', 'month'), name='report_one_per_client_month'),
                ),
                migrations.AddConstraint(
                    model_name='slaalert',
                    constraint=models.UniqueConstraint(fields=('process', 'metric', 'month'), name='slaalert_one_per_target_month'),
                ),
            ],
            database_operations=[],
        ),
    ]
