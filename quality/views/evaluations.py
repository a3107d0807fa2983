"""Evaluation pages: the list, one evaluation, the agent's acknowledge / dispute, voiding, and
scoring an interaction."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect

from processes.models import Interaction
from quality import selectors, services
from quality.forms import DisputeForm, ScoringForm, VoidForm
from quality.models import Evaluation, EvaluationStatus
from quality.views.base import QualityPage, apply_errors, parse_day


class EvaluationListView(QualityPage):
    capability = "quality.evaluations"
    template_name = "quality/evaluation_list.html"
    http_method_names = ["get", "head", "options"]
    FILTERS = ("process", "agent", "evaluator", "status", "response", "start", "end", "fatal", "q")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        listing = selectors.evaluation_listing(
            user=self.request.user,
            process=params.get("process", ""),
            agent=params.get("agent", ""),
            evaluator=params.get("evaluator", ""),
            status=params.get("status", ""),
            response=params.get("response", ""),
            start=parse_day(params.get("start"), None),
            end=parse_day(params.get("end"), None),
            fatal_only=params.get("fatal") == "1",
            q=params.get("q", ""),
        )
        page = Paginator(listing.rows, 50).get_page(params.get("page"))
        context.update(
            page_obj=page,
            object_list=page.object_list,
            is_paginated=page.has_other_pages(),
            filters={k: params.get(k, "") for k in self.FILTERS},
            processes=listing.processes,
            agents=listing.agents,
            statuses=EvaluationStatus.choices,
            mean=listing.mean,
            total=listing.total,
        )
        return context


class EvaluationDetailView(QualityPage):
    model = Evaluation
    capability = "quality.evaluations"
    template_name = "quality/evaluation_detail.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evaluation = self.get_scoped(Evaluation, pk=self.kwargs["pk"])
        user = self.request.user
        page = selectors.evaluation_page(user=user, evaluation=evaluation)
        context.update(
            evaluation=evaluation,
            answers=page.answers,
            events=page.events,
            disputes=page.disputes,
            versions=page.versions,
            is_own=page.is_own,
            can_respond=page.awaits_response,
            open_dispute=page.open_dispute,
            can_review=self.can("quality.evaluate") and evaluation.evaluator_id != user.pk,
            can_coach=self.can("coaching.manage"),
            can_void=self.can("quality.manage") and evaluation.status == EvaluationStatus.FINAL,
            coaching=page.coaching,
        )
        return context


class _EvaluationActionView(QualityPage):
    """GET shows a confirmation form; POST calls the service."""

    model = Evaluation

    template_name = "quality/evaluation_action.html"
    form_class = None
    title = ""

    def evaluation(self):
        return self.get_scoped(Evaluation, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("evaluation", self.evaluation())
        context.setdefault("form", self.form_class() if self.form_class else None)
        context["title"] = self.title
        return context

    def post(self, request, *args, **kwargs):
        evaluation = self.evaluation()
        form = self.form_class(request.POST) if self.form_class else None
        if form is None or form.is_valid():
            try:
                self.act(evaluation, form)
            except ValidationError as exc:
                if form is None:
                    messages.error(request, " ".join(exc.messages))
                    return redirect(evaluation.get_absolute_url())
                apply_errors(form, exc)
            else:
                messages.success(request, self.done)
                return redirect(self.success_url(evaluation))
        return self.render_to_response(self.get_context_data(evaluation=evaluation, form=form))

    def success_url(self, evaluation):
        return evaluation.get_absolute_url()


class EvaluationAcknowledgeView(_EvaluationActionView):
    capability = "quality.dispute"
    title = "Acknowledge evaluation"
    done = "Evaluation acknowledged."

    def act(self, evaluation, form):
        services.evaluation_acknowledge(actor=self.request.user, evaluation=evaluation)


class EvaluationDisputeView(_EvaluationActionView):
    capability = "quality.dispute"
    form_class = DisputeForm
    title = "Dispute evaluation"
    done = "Dispute sent. A reviewer other than the evaluator will decide."

    def act(self, evaluation, form):
        services.dispute_open(actor=self.request.user, evaluation=evaluation, reason=form.cleaned_data["reason"])


class EvaluationVoidView(_EvaluationActionView):
    capability = "quality.manage"
    form_class = VoidForm
    title = "Void evaluation"
    done = "Evaluation voided; it no longer counts in the QA score."

    def act(self, evaluation, form):
        services.evaluation_void(actor=self.request.user, evaluation=evaluation, reason=form.cleaned_data["reason"])


class EvaluateInteractionView(QualityPage):
    """Score one interaction on its process's current scorecard."""

    model = Interaction

    capability = "quality.evaluate"
    template_name = "quality/evaluate.html"

    def interaction(self):
        return get_object_or_404(selectors.interaction_list(user=self.request.user), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        interaction = kwargs.get("interaction") or self.interaction()
        scorecard = services.current_scorecard(interaction.process)
        context.update(interaction=interaction, scorecard=scorecard)
        context["existing"] = selectors.evaluation_current_for(interaction)
        if scorecard is not None:
            context.setdefault("form", ScoringForm(criteria=scorecard.criteria()))
        return context

    def post(self, request, *args, **kwargs):
        interaction = self.interaction()
        scorecard = services.current_scorecard(interaction.process)
        if scorecard is None:
            messages.error(request, "This process has no active scorecard yet.")
            return redirect("quality:evaluate")
        form = ScoringForm(request.POST, criteria=scorecard.criteria())
        if form.is_valid():
            try:
                evaluation = services.evaluation_create(
                    actor=request.user,
                    interaction=interaction,
                    answers=form.answers(),
                    comments=form.comments(),
                    comment=form.cleaned_data["comment"],
                    scorecard=scorecard,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Evaluation saved: {evaluation.score:.1f}. The agent has been notified.")
                return redirect(evaluation.get_absolute_url())
        return self.render_to_response(self.get_context_data(interaction=interaction, form=form))
