"""Disputes: the reviewer's list and the review (uphold, or amend by re-scoring)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect

from quality import selectors, services
from quality.forms import ResolveForm, ScoringForm
from quality.models import Dispute, DisputeStatus
from quality.views.base import QualityPage, apply_errors


class DisputeListView(QualityPage):
    capability = "quality.evaluate"
    template_name = "quality/dispute_list.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "open")
        rows = selectors.dispute_list(user=self.request.user, status=status)
        context.update(disputes=rows[:200], status=status, statuses=DisputeStatus.choices)
        return context


class DisputeResolveView(QualityPage):
    model = Dispute
    capability = "quality.evaluate"
    template_name = "quality/dispute_resolve.html"

    def dispute(self):
        return get_object_or_404(selectors.dispute_list(user=self.request.user), pk=self.kwargs["pk"])

    def scoring_form(self, dispute, data=None):
        return ScoringForm(
            data,
            criteria=dispute.evaluation.scorecard.criteria(),
            with_comment=False,
            initial_answers=selectors.dispute_answers(dispute),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        dispute = kwargs.get("dispute") or self.dispute()
        context.update(
            dispute=dispute,
            evaluation=dispute.evaluation,
            answers=selectors.evaluation_answers(dispute.evaluation),
            is_evaluator=dispute.evaluation.evaluator_id == self.request.user.pk,
        )
        context.setdefault("form", ResolveForm())
        context.setdefault("scoring", self.scoring_form(dispute))
        return context

    def post(self, request, *args, **kwargs):
        dispute = self.dispute()
        form = ResolveForm(request.POST)
        scoring = self.scoring_form(dispute, request.POST)
        if form.is_valid():
            amend = form.cleaned_data["decision"] == "amend"
            if not amend or scoring.is_valid():
                try:
                    services.dispute_resolve(
                        actor=request.user,
                        dispute=dispute,
                        decision=form.cleaned_data["decision"],
                        resolution=form.cleaned_data["resolution"],
                        answers=scoring.answers() if amend else None,
                        comments=scoring.comments() if amend else None,
                    )
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    dispute.refresh_from_db()
                    messages.success(request, f"Dispute {dispute.get_status_display().lower()}.")
                    target = dispute.amended_evaluation or dispute.evaluation
                    return redirect(target.get_absolute_url())
        return self.render_to_response(self.get_context_data(dispute=dispute, form=form, scoring=scoring))
