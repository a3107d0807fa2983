"""Thin, idempotent Celery tasks of the quality app."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from processes.models import Process
from quality import services


@shared_task(name="quality.draw_weekly_samples", acks_late=True)
def draw_weekly_samples(week_start: str | None = None) -> int:
    """Draw (top up) the random QA sample of every active process for a week (ISO date of any
    day in it; default the current week). Safe to run twice: the draw is seeded and tops up."""
    day = date.fromisoformat(week_start) if week_start else timezone.localdate()
    return sum(services.sample_draw(process=p, week_start=day) for p in Process.objects.filter(active=True))
