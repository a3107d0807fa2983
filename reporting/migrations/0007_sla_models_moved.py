"""The report and SLA alert models now belong to `sla` (sla/0001 took them over in Django's state;
the tables stay): remove them from `reporting`'s state, nothing in the database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0006_reportversion_snapshot'),
        ('sla', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='reportversion',
                    name='report',
                ),
                migrations.RemoveField(
                    model_name='reportdownload',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='reportdownload',
                    name='version',
                ),
                migrations.RemoveField(
                    model_name='reportemailpreference',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='reportversion',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='slaalert',
                    name='process',
                ),
                migrations.DeleteModel(
                    name='Report',
                ),
                migrations.DeleteModel(
                    name='ReportDownload',
                ),
                migrations.DeleteModel(
                    name='ReportEmailPreference',
                ),
                migrations.DeleteModel(
                    name='ReportVersion',
                ),
                migrations.DeleteModel(
                    name='SlaAlert',
                ),
            ],
            database_operations=[],
        ),
    ]
