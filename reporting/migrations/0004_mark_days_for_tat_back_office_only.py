"""TAT compliance now counts back-office items only (KPIS.md: "TAT compliance (back-office)");
before, every handled interaction with an end counted. Mark the days whose stored components
counted other channels, so the periodic sweep (or `compute_kpis --marked`) recomputes them."""

from django.db import migrations
from django.utils import timezone


def mark_days(apps, schema_editor):
    Interaction = apps.get_model("processes", "Interaction")
    KpiMark = apps.get_model("reporting", "KpiMark")
    days = (
        Interaction.objects.using(schema_editor.connection.alias)
        .exclude(channel="backoffice")
        .filter(answered_at__isnull=False, ended_at__isnull=False)
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
        ("reporting", "0003_kpimark_fcr_only"),
    ]

    operations = [migrations.RunPython(mark_days, migrations.RunPython.noop)]
