"""What every quality page shares: the base class (capability checked, lookups scoped, the
section's navigation flags) and the small request and form helpers."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import TemplateView

from bpo_portal.pages import ScopedMixin
from bpo_portal.parsing import parse_calendar_date


def parse_day(value, default):
    """A calendar date from a query parameter, or `default` when it is empty or no date."""
    try:
        return parse_calendar_date(value) if value else default
    except ValueError:
        return default


def period(request, days=30):
    """The `start`..`end` of the request (inclusive local days): by default the `days` days up to
    today; swapped when given the wrong way round."""
    today = timezone.localdate()
    end = parse_day(request.GET.get("end"), today)
    start = parse_day(request.GET.get("start"), end - timedelta(days=days - 1))
    return (start, end) if start <= end else (end, start)


def apply_errors(form, exc: ValidationError):
    """A service's refusal shown on the form: on the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class QualityPage(ScopedMixin, TemplateView):
    """A quality page: capability checked by ScopedMixin, object lookups scoped (404 outside)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["perms_quality"] = {
            "evaluations": self.can("quality.evaluations"),
            "evaluate": self.can("quality.evaluate"),
            "coaching": self.can("coaching.view"),
        }
        return context

    def get_scoped(self, model, **lookup):
        return get_object_or_404(self.scoped(model), **lookup)
