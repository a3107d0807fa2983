"""KPI definitions 2026.3 (KPIS.md, "Channels: which figures apply"): queue figures count voice,
chat and email contacts only; inbound back-office items count in the new `received` component;
TAT compliance covers email as well as back-office items. Add the column, and mark every day
whose stored components the new rules change (any day with back-office or email work), so the
periodic sweep (or `compute_kpis --marked`) recomputes them."""

from django.db import migrations, models
from django.utils import timezone


def mark_days(apps, schema_editor):
    Interaction = apps.get_model("processes", "Interaction")
    KpiMark = apps.get_model("reporting", "KpiMark")
    days = (
        Interaction.objects.using(schema_editor.connection.alias)
        .filter(channel__in=("backoffice", "email"))
        .values_list("process_id", "local_date")
        .distinct()
        .order_by()
    )
    now = timezone.now()
    KpiMark.objects.using(schema_editor.connection.alias).bulk_create(
        [KpiMark(process_id=pid, local_date=day, marked_at=now, fcr_only=False) for pid, day in days.iterator()],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["process", "local_date"],
        update_fields=["marked_at", "fcr_only"],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("processes", "0004_drop_repeat_lookup_index"),
        ("reporting", "0004_mark_days_for_tat_back_office_only"),
    ]

    operations = [
        migrations.AddField(model_name="dailykpi", name="received", field=models.IntegerField(default=0)),
        migrations.RunPython(mark_days, migrations.RunPython.noop),
    ]
