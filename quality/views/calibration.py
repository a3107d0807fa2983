"""Calibration: sessions where several evaluators score one interaction blind, then compare
with the expert or the consensus; and each evaluator's deviation over the months."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from quality import selectors, services
from quality.forms import CalibrationForm, ScoringForm
from quality.models import CalibrationSession
from quality.views.base import QualityPage, apply_errors, period


class CalibrationListView(QualityPage):
    capability = "quality.evaluate"
    template_name = "quality/calibration_list.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sessions"] = selectors.calibration_list(user=self.request.user)[:100]
        return context


class CalibrationCreateView(QualityPage):
    capability = "quality.evaluate"
    template_name = "quality/calibration_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", CalibrationForm(user=self.request.user, initial={"participants": [self.request.user]})
        )
        return context

    def post(self, request, *args, **kwargs):
        form = CalibrationForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            interaction = selectors.interaction_find(
                user=request.user, process=data["process"], external_id=data["interaction"]
            )
            if interaction is None:
                form.add_error("interaction", "No interaction with this id in that process.")
            else:
                try:
                    session = services.calibration_create(
                        actor=request.user,
                        interaction=interaction,
                        title=data["title"],
                        participants=data["participants"],
                        expert=data["expert"],
                    )
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, "Calibration session created; participants have been notified.")
                    return redirect(session.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))


class CalibrationDetailView(QualityPage):
    """While open: each participant scores blind (sees only their own entry). Closed: everyone's
    answers, per-criterion agreement and each evaluator's deviation."""

    model = CalibrationSession

    capability = "quality.evaluate"
    template_name = "quality/calibration_detail.html"

    def session(self):
        return self.get_scoped(CalibrationSession, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = kwargs.get("session") or self.session()
        page = selectors.calibration_page(user=self.request.user, session=session)
        context.update(
            session=session,
            mine=page.mine,
            is_participant=page.is_participant,
            submitted=page.submitted,
            submitted_ids=page.submitted_ids,
            participants=page.participants,
        )
        if session.is_open and page.is_participant and page.mine is None:
            context.setdefault("form", ScoringForm(criteria=session.scorecard.criteria(), with_comment=False))
        if not session.is_open:
            context["stats"] = selectors.calibration_stats(session)
        return context

    def post(self, request, *args, **kwargs):
        session = self.session()
        form = ScoringForm(request.POST, criteria=session.scorecard.criteria(), with_comment=False)
        if form.is_valid():
            try:
                services.calibration_submit(
                    actor=request.user, session=session, answers=form.answers(), comments=form.comments()
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(session.get_absolute_url())
            messages.success(request, "Your scoring is in. Results are shown when the session closes.")
            return redirect(session.get_absolute_url())
        return self.render_to_response(self.get_context_data(session=session, form=form))


class CalibrationCloseView(QualityPage):
    model = CalibrationSession
    capability = "quality.evaluate"
    template_name = "quality/calibration_close.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session"] = self.get_scoped(CalibrationSession, pk=self.kwargs["pk"])
        return context

    def post(self, request, *args, **kwargs):
        session = self.get_scoped(CalibrationSession, pk=self.kwargs["pk"])
        try:
            services.calibration_close(actor=request.user, session=session)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Session closed: results revealed.")
        return redirect(session.get_absolute_url())


class CalibrationTrendView(QualityPage):
    capability = "quality.evaluate"
    template_name = "quality/calibration_trends.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        start, end = period(self.request, days=365)
        months, rows = selectors.evaluator_deviation_table(user=self.request.user, start=start, end=end)
        context.update(start=start, end=end, months=months, rows=rows)
        return context
