"""Service calendar pages: list, detail, create / edit (the calendar with its weekly hours and
holidays as repeated rows) and "pre-fill public holidays". Managers write; team leaders read."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from bpo_portal.pages import ScopedDetailView, ScopedListView, ScopedMixin
from calendars.forms import CalendarForm, HolidayFormSet, HoursFormSet, PrefillForm, rows
from calendars.models import ServiceCalendar, Weekday
from calendars.selectors import calendar_list, calendar_processes
from calendars.services import calendar_create, calendar_update, holidays_prefill

HOUR_KEYS = ("weekday", "start", "end")
HOLIDAY_KEYS = ("date", "start", "end", "name")


class CalendarListView(ScopedListView):
    model = ServiceCalendar
    capability = "calendars.view"
    template_name = "calendars/calendar_list.html"
    search_fields = ("code", "name", "client__code")

    def base_queryset(self):
        return calendar_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.can("calendars.manage")
        return context


class CalendarDetailView(ScopedDetailView):
    model = ServiceCalendar
    capability = "calendars.view"
    template_name = "calendars/calendar_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("client")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hours = list(self.object.hours.all())
        context["week"] = [(label, [h for h in hours if h.weekday == day]) for day, label in Weekday.choices]
        context["holidays"] = self.object.holidays.all()
        context["processes"] = calendar_processes(self.object, user=self.request.user)
        context["can_manage"] = self.can("calendars.manage")
        return context


class _CalendarEdit(ScopedMixin, View):
    """GET: the form; POST: save through the service, its messages shown on the form."""

    model = ServiceCalendar
    capability = "calendars.manage"
    template_name = "calendars/calendar_form.html"

    def calendar(self):
        return None

    def render_form(self, form, hours, holidays, calendar):
        title = f"Edit {calendar.code}" if calendar else "New service calendar"
        cancel = calendar.get_absolute_url() if calendar else "/calendars/"
        context = {"form": form, "hours": hours, "holidays": holidays, "title": title, "cancel_url": cancel}
        return render(self.request, self.template_name, context)

    def get(self, request, **kwargs):
        calendar = self.calendar()
        initial_hours = _initial(calendar.hours.all(), HOUR_KEYS) if calendar else []
        initial_holidays = _initial(calendar.holidays.all(), HOLIDAY_KEYS) if calendar else []
        form = CalendarForm(instance=calendar, user=request.user)
        return self.render_form(
            form, HoursFormSet(initial=initial_hours, prefix="hours"),
            HolidayFormSet(initial=initial_holidays, prefix="holidays"), calendar,
        )  # fmt: skip

    def post(self, request, **kwargs):
        calendar = self.calendar()
        form = CalendarForm(request.POST, instance=calendar, user=request.user)
        hours = HoursFormSet(request.POST, prefix="hours")
        holidays = HolidayFormSet(request.POST, prefix="holidays")
        if form.is_valid() and hours.is_valid() and holidays.is_valid():
            try:
                saved = self.save(form, rows(hours, HOUR_KEYS), rows(holidays, HOLIDAY_KEYS), calendar)
            except ValidationError as exc:
                _show(exc, form, hours, holidays)
            else:
                messages.success(request, f"Calendar {saved.code} saved.")
                return redirect(saved.get_absolute_url())
        return self.render_form(form, hours, holidays, self.calendar())

    def save(self, form, hours, holidays, calendar):  # pragma: no cover - each view provides it
        raise NotImplementedError


def _initial(objects, keys) -> list[dict]:
    return [{key: getattr(obj, key) for key in keys} for obj in objects]


def _show(exc: ValidationError, form, hours, holidays) -> None:
    """A service's messages on the form: the lists' on their formsets, the rest on their fields."""
    errors_by_field = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
    for field, errors in errors_by_field.items():
        texts = [text for error in errors for text in error.messages]
        if field == "hours":
            hours._non_form_errors = hours.error_class(texts)
        elif field == "holidays":
            holidays._non_form_errors = holidays.error_class(texts)
        else:
            form.add_error(field if field in form.fields else None, texts)


class CalendarCreateView(_CalendarEdit):
    def save(self, form, hours, holidays, calendar):
        data = form.cleaned_data
        return calendar_create(
            actor=self.request.user, client=data["client"], code=data["code"], name=data["name"],
            hours=hours, holidays=holidays,
        )  # fmt: skip


class CalendarUpdateView(_CalendarEdit):
    def calendar(self):
        return get_object_or_404(self.scoped(ServiceCalendar), code=self.kwargs["code"])

    def save(self, form, hours, holidays, calendar):
        data = form.cleaned_data
        return calendar_update(
            actor=self.request.user, calendar=calendar, code=data["code"], name=data["name"],
            hours=hours, holidays=holidays,
        )  # fmt: skip


class CalendarPrefillView(ScopedMixin, View):
    """GET: choose a country and year; POST: add its public holidays as dates closed all day."""

    model = ServiceCalendar
    capability = "calendars.manage"
    template_name = "calendars/prefill.html"

    def _page(self, form, calendar):
        return render(self.request, self.template_name, {"form": form, "object": calendar})

    def get(self, request, code):
        calendar = get_object_or_404(self.scoped(ServiceCalendar), code=code)
        return self._page(PrefillForm(), calendar)

    def post(self, request, code):
        calendar = get_object_or_404(self.scoped(ServiceCalendar), code=code)
        form = PrefillForm(request.POST)
        if form.is_valid():
            try:
                added = holidays_prefill(actor=request.user, calendar=calendar, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"{added} public holiday(s) added to {calendar.code}.")
                return redirect(calendar.get_absolute_url())
        return self._page(form, calendar)
