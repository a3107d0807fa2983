"""Quality pages. Every view names its capability and reads through scoped selectors; every
write goes through quality.services."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.scoping import AGENT, effective_role, scope_q
from agents.models import Agent
from bpo_portal.pages import ScopedMixin
from bpo_portal.parsing import parse_calendar_date
from processes.models import Interaction, Process
from quality import selectors, services
from quality.forms import (
    CalibrationForm,
    CoachingCreateForm,
    CoachingEditForm,
    DisputeForm,
    ResolveForm,
    SamplePlanForm,
    ScorecardForm,
    ScoringForm,
    VoidForm,
    definition_text,
)
from quality.models import (
    CalibrationEntry,
    CalibrationSession,
    CoachingAction,
    CoachingStatus,
    Dispute,
    DisputeStatus,
    Evaluation,
    EvaluationStatus,
    Notification,
    Scorecard,
)


def _with_dispute_state(rows):
    """Each evaluation with `dispute_open`: the status badge says "disputed" only while a dispute
    waits for a reviewer (an upheld or amended one keeps agent_response "disputed")."""
    return rows.annotate(
        dispute_open=Exists(Dispute.objects.filter(evaluation=OuterRef("pk"), status=DisputeStatus.OPEN))
    )


def _date(value, default):
    try:
        return parse_calendar_date(value) if value else default
    except ValueError:
        return default


def _period(request, days=30):
    today = timezone.localdate()
    end = _date(request.GET.get("end"), today)
    start = _date(request.GET.get("start"), end - timedelta(days=days - 1))
    return (start, end) if start <= end else (end, start)


def _apply_errors(form, exc: ValidationError):
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
        return get_object_or_404(model.objects.filter(scope_q(model, self.request.user)), **lookup)


class QualityHomeView(QualityPage):
    """Aggregated QA per process over a period; for staff, also what needs their attention."""

    capability = "quality.view"
    template_name = "quality/home.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        start, end = _period(self.request)
        role = effective_role(user)
        context.update(
            start=start,
            end=end,
            role=role,
            summary=selectors.qa_summary_by_process(user=user, start=start, end=end),
            trend=selectors.qa_trend(user=user, start=end - timedelta(days=364), end=end),
            can_evaluate=self.can("quality.evaluate"),
            can_manage=self.can("quality.manage"),
            can_see_rows=self.can("quality.evaluations"),
            notifications=Notification.objects.filter(recipient=user, read_at__isnull=True)[:10],
        )
        if self.can("quality.evaluate"):
            context["open_disputes"] = selectors.open_disputes_for_reviewer(user=user)[:10]
        if role == AGENT:
            context["awaiting"] = selectors.evaluation_list(user=user).filter(
                status=EvaluationStatus.FINAL, agent_response="pending"
            )
        return context


class EvaluationListView(QualityPage):
    capability = "quality.evaluations"
    template_name = "quality/evaluation_list.html"
    http_method_names = ["get", "head", "options"]
    FILTERS = ("process", "agent", "evaluator", "status", "response", "start", "end", "fatal", "q")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, params = self.request.user, self.request.GET
        rows = selectors.evaluation_list(user=user)
        if params.get("process"):
            rows = rows.filter(process__code=params["process"])
        if params.get("agent"):
            rows = rows.filter(agent__code=params["agent"])
        if params.get("evaluator"):
            rows = rows.filter(evaluator__username=params["evaluator"])
        if params.get("status") in EvaluationStatus.values:
            rows = rows.filter(status=params["status"])
        elif not params.get("status"):
            rows = rows.filter(status=EvaluationStatus.FINAL)
        if params.get("response"):
            rows = rows.filter(agent_response=params["response"])
        if params.get("start"):
            rows = rows.filter(local_date__gte=_date(params["start"], None) or date.min)
        if params.get("end"):
            rows = rows.filter(local_date__lte=_date(params["end"], None) or date.max)
        if params.get("fatal") == "1":
            rows = rows.filter(fatal_failed=True)
        if params.get("q"):
            rows = rows.filter(interaction__external_id__icontains=params["q"])
        # Newest local day first, as the first column reads (not in the order they were scored).
        rows = _with_dispute_state(rows.order_by("-local_date", "-created_at", "-id"))
        page = Paginator(rows, 50).get_page(params.get("page"))
        context.update(
            page_obj=page,
            object_list=page.object_list,
            is_paginated=page.has_other_pages(),
            filters={k: params.get(k, "") for k in self.FILTERS},
            processes=Process.objects.filter(scope_q(Process, user)).order_by("code"),
            agents=Agent.objects.filter(scope_q(Agent, user)).order_by("code") if effective_role(user) != AGENT else [],
            statuses=EvaluationStatus.choices,
            mean=selectors.evaluation_mean(rows.filter(status=EvaluationStatus.FINAL)),
            total=rows.count(),
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
        context.update(
            evaluation=evaluation,
            answers=evaluation.answers.select_related("criterion__section"),
            events=evaluation.events.select_related("actor"),
            disputes=evaluation.disputes.select_related("raised_by", "reviewer"),
            versions=selectors.evaluation_history(evaluation),
            is_own=evaluation.agent.user_id == user.pk,
            can_respond=evaluation.agent.user_id == user.pk
            and evaluation.status == EvaluationStatus.FINAL
            and evaluation.agent_response == "pending",
            open_dispute=evaluation.disputes.filter(status=DisputeStatus.OPEN).first(),
            can_review=self.can("quality.evaluate") and evaluation.evaluator_id != user.pk,
            can_coach=self.can("coaching.manage"),
            can_void=self.can("quality.manage") and evaluation.status == EvaluationStatus.FINAL,
            coaching=evaluation.coaching_actions.filter(scope_q(CoachingAction, user)),
        )
        evaluation.dispute_open = context["open_dispute"] is not None
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
                _apply_errors(form, exc)
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


class EvaluatePickView(QualityPage):
    """Pick an interaction to evaluate: this week's random sample per agent, or a search."""

    capability = "quality.evaluate"
    template_name = "quality/evaluate_pick.html"

    def process(self):
        processes = Process.objects.filter(scope_q(Process, self.request.user)).order_by("code")
        code = self.request.GET.get("process") or self.request.POST.get("process")
        chosen = processes.filter(code=code).first() if code else None
        return processes, chosen or processes.first()

    def week(self):
        value = _date(self.request.GET.get("week") or self.request.POST.get("week"), timezone.localdate())
        return value - timedelta(days=value.weekday())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, params = self.request.user, self.request.GET
        processes, process = self.process()
        week = self.week()
        context.update(processes=processes, process=process, week=week, prev_week=week - timedelta(days=7))
        context["next_week"] = week + timedelta(days=7) if week + timedelta(days=7) <= timezone.localdate() else None
        if process is None:
            return context
        context["sample"] = selectors.sample_for_week(user=user, process=process, week_start=week)
        context["sample_size"] = services.sample_size(process)
        context.setdefault("plan_form", SamplePlanForm(initial={"per_agent_per_week": context["sample_size"]}))
        context["scorecard"] = services.current_scorecard(process)
        context["can_manage"] = self.can("quality.manage")
        search = {k: params.get(k, "") for k in ("agent", "day", "q")}
        context["search"] = search
        if any(search.values()):
            rows = Interaction.objects.filter(
                scope_q(Interaction, user), process=process, agent__isnull=False, answered_at__isnull=False
            ).select_related("agent")
            if search["agent"]:
                rows = rows.filter(agent__code=search["agent"])
            if search["day"]:
                rows = rows.filter(local_date=_date(search["day"], None) or date.min)
            if search["q"]:
                rows = rows.filter(external_id__icontains=search["q"])
            results = list(rows.order_by("-arrived_at")[:50])
            evaluated = set(
                Evaluation.objects.filter(
                    interaction_id__in=[r.pk for r in results], status=EvaluationStatus.FINAL
                ).values_list("interaction_id", flat=True)
            )
            for row in results:
                row.evaluated = row.pk in evaluated
            context["results"] = results
        context["agents"] = Agent.objects.filter(scope_q(Agent, user), processes=process).order_by("code")
        return context

    def post(self, request, *args, **kwargs):
        _, process = self.process()
        week = self.week()
        if process is None:
            return redirect("quality:evaluate")
        target = f"{reverse('quality:evaluate')}?process={process.code}&week={week.isoformat()}"
        if request.POST.get("action") == "plan":
            form = SamplePlanForm(request.POST)
            if form.is_valid():
                try:
                    services.sample_plan_set(actor=request.user, process=process, **form.cleaned_data)
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    messages.success(request, "Sample size saved.")
                return redirect(target)
            return self.render_to_response(self.get_context_data(plan_form=form))
        added = services.sample_draw(process=process, week_start=week)
        messages.success(request, f"{added} interaction(s) added to the sample of the week of {week:%d %b %Y}.")
        return redirect(target)


class EvaluateInteractionView(QualityPage):
    """Score one interaction on its process's current scorecard."""

    model = Interaction

    capability = "quality.evaluate"
    template_name = "quality/evaluate.html"

    def interaction(self):
        return get_object_or_404(
            Interaction.objects.filter(scope_q(Interaction, self.request.user)).select_related("process", "agent"),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        interaction = kwargs.get("interaction") or self.interaction()
        scorecard = services.current_scorecard(interaction.process)
        context.update(interaction=interaction, scorecard=scorecard)
        context["existing"] = Evaluation.objects.filter(interaction=interaction, status=EvaluationStatus.FINAL).first()
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
                _apply_errors(form, exc)
            else:
                messages.success(request, f"Evaluation saved: {evaluation.score:.1f}. The agent has been notified.")
                return redirect(evaluation.get_absolute_url())
        return self.render_to_response(self.get_context_data(interaction=interaction, form=form))


class DisputeListView(QualityPage):
    capability = "quality.evaluate"
    template_name = "quality/dispute_list.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = selectors.dispute_list(user=self.request.user)
        status = self.request.GET.get("status", "open")
        if status in DisputeStatus.values:
            rows = rows.filter(status=status)
        context.update(disputes=rows[:200], status=status, statuses=DisputeStatus.choices)
        return context


class DisputeResolveView(QualityPage):
    model = Dispute
    capability = "quality.evaluate"
    template_name = "quality/dispute_resolve.html"

    def dispute(self):
        return get_object_or_404(
            selectors.dispute_list(user=self.request.user).select_related("evaluation__scorecard"),
            pk=self.kwargs["pk"],
        )

    def scoring_form(self, dispute, data=None):
        evaluation = dispute.evaluation
        initial = {a.criterion_id: (a.points_earned, a.comment) for a in evaluation.answers.all()}
        return ScoringForm(data, criteria=evaluation.scorecard.criteria(), with_comment=False, initial_answers=initial)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        dispute = kwargs.get("dispute") or self.dispute()
        context.update(
            dispute=dispute,
            evaluation=dispute.evaluation,
            answers=dispute.evaluation.answers.select_related("criterion__section"),
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
                    _apply_errors(form, exc)
                else:
                    dispute.refresh_from_db()
                    messages.success(request, f"Dispute {dispute.get_status_display().lower()}.")
                    target = dispute.amended_evaluation or dispute.evaluation
                    return redirect(target.get_absolute_url())
        return self.render_to_response(self.get_context_data(dispute=dispute, form=form, scoring=scoring))


class ScorecardListView(QualityPage):
    capability = "quality.evaluations"
    template_name = "quality/scorecard_list.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = selectors.scorecard_list(user=self.request.user)
        if self.request.GET.get("all") != "1":
            rows = rows.filter(is_current=True)
        context.update(scorecards=rows, can_manage=self.can("quality.manage"), show_all=self.request.GET.get("all"))
        return context


class ScorecardDetailView(QualityPage):
    model = Scorecard
    capability = "quality.evaluations"
    template_name = "quality/scorecard_detail.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scorecard = self.get_scoped(Scorecard, pk=self.kwargs["pk"])
        context.update(
            scorecard=scorecard,
            preview=ScoringForm(criteria=scorecard.criteria(), with_comment=False),
            versions=Scorecard.objects.filter(lineage=scorecard.lineage).order_by("-version"),
            in_use=services.scorecard_in_use(scorecard),
            evaluation_count=Evaluation.objects.filter(scorecard=scorecard).count(),
            can_manage=self.can("quality.manage") and scorecard.is_current,
        )
        return context


class _ScorecardFormView(QualityPage):
    capability = "quality.manage"
    template_name = "quality/scorecard_form.html"
    editing = False

    def scorecard(self):
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scorecard = self.scorecard()
        if "form" not in context:
            initial = {}
            if scorecard is not None:
                initial = {
                    "name": scorecard.name,
                    "description": scorecard.description,
                    "active": scorecard.active,
                    "definition": definition_text(services.scorecard_definition(scorecard)),
                }
            context["form"] = ScorecardForm(user=self.request.user, editing=self.editing, initial=initial)
        context["scorecard"] = scorecard
        context["in_use"] = scorecard is not None and services.scorecard_in_use(scorecard)
        return context

    def post(self, request, *args, **kwargs):
        scorecard = self.scorecard()
        form = ScorecardForm(request.POST, user=request.user, editing=self.editing)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if scorecard is None:
                    result = services.scorecard_create(
                        actor=request.user,
                        process=data["process"],
                        name=data["name"],
                        description=data["description"],
                        sections=data["definition"],
                    )
                else:
                    result = services.scorecard_update(
                        actor=request.user,
                        scorecard=scorecard,
                        name=data["name"],
                        description=data["description"],
                        active=data["active"],
                        sections=data["definition"],
                    )
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "sections" in exc.error_dict:
                    form.add_error("definition", exc.error_dict.pop("sections"))
                    exc = ValidationError(exc.error_dict) if exc.error_dict else None
                if exc is not None:
                    _apply_errors(form, exc)
            else:
                note = (
                    f" (version {result.version}; evaluations keep the version they used)" if result.version > 1 else ""
                )
                messages.success(request, f"Scorecard saved{note}.")
                return redirect(result.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))


class ScorecardCreateView(_ScorecardFormView):
    pass


class ScorecardEditView(_ScorecardFormView):
    model = Scorecard
    editing = True

    def scorecard(self):
        return self.get_scoped(Scorecard, pk=self.kwargs["pk"])


class ScorecardPreviewView(QualityPage):
    """htmx: the scorecard being built, rendered as the evaluator will see it, with a live score."""

    capability = "quality.manage"
    template_name = "quality/_scorecard_preview.html"

    def post(self, request, *args, **kwargs):
        from quality.forms import parse_definition

        try:
            sections = parse_definition(request.POST.get("definition", ""))
            errors = []
        except ValidationError as exc:
            sections, errors = [], exc.messages
        return self.render_to_response({"sections": sections, "errors": errors})


class AgentQualityView(QualityPage):
    """An agent's QA history: monthly trend, evaluations, open coaching."""

    model = Agent

    capability = "quality.evaluations"
    template_name = "quality/agent_history.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        agent = self.get_scoped(Agent, code=self.kwargs["code"])
        history = selectors.agent_qa_history(user=user, agent=agent)
        current = history.filter(status=EvaluationStatus.FINAL)
        context.update(
            agent=agent,
            evaluations=_with_dispute_state(history)[:100],
            trend=selectors.qa_trend(user=user, agent=agent),
            mean=selectors.evaluation_mean(current),
            count=current.count(),
            coaching=selectors.coaching_open_for_agent(agent, user),
            can_coach=self.can("coaching.manage"),
        )
        return context


class CriterionRatesView(QualityPage):
    """Which criteria of a process's scorecards fail most (aggregated, no agent names)."""

    model = Process

    capability = "quality.view"
    template_name = "quality/criterion_rates.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        process = self.get_scoped(Process, code=self.kwargs["code"])
        start, end = _period(self.request, days=90)
        context.update(
            process=process,
            start=start,
            end=end,
            rates=selectors.criterion_failure_rates(user=user, process=process, start=start, end=end),
            accuracy=selectors.accuracy(user=user, process=process, start=start, end=end),
            trend=selectors.qa_trend(user=user, process=process, start=end - timedelta(days=364), end=end),
            role=effective_role(user),
        )
        return context


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
            interaction = Interaction.objects.filter(
                scope_q(Interaction, request.user), process=data["process"], external_id=data["interaction"]
            ).first()
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
                    _apply_errors(form, exc)
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
        user = self.request.user
        mine = CalibrationEntry.objects.filter(session=session, evaluator=user).first()
        is_participant = session.participants.filter(pk=user.pk).exists()
        context.update(
            session=session,
            mine=mine,
            is_participant=is_participant,
            submitted=session.entries.select_related("evaluator"),
            submitted_ids=set(session.entries.values_list("evaluator_id", flat=True)),
            participants=session.participants.order_by("username"),
        )
        if session.is_open and is_participant and mine is None:
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
        start, end = _period(self.request, days=365)
        trend = selectors.evaluator_deviation_trend(user=self.request.user, start=start, end=end)
        rows = [
            {"evaluator": row["evaluator"], "cells": [row["by_month"].get(m) for m in trend["months"]]}
            for row in trend["evaluators"]
        ]
        context.update(start=start, end=end, months=trend["months"], rows=rows)
        return context


class CoachingListView(QualityPage):
    capability = "coaching.view"
    template_name = "quality/coaching_list.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = selectors.coaching_list(user=self.request.user)
        status = self.request.GET.get("status", "open")
        if status in ("open", "done", "cancelled"):
            rows = rows.filter(status=status)
        context.update(
            actions=rows[:200],
            status=status,
            status_choices=CoachingStatus.choices,
            can_manage=self.can("coaching.manage"),
        )
        return context


class CoachingCreateView(QualityPage):
    capability = "coaching.manage"
    template_name = "quality/coaching_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" not in context:
            initial = {"due_date": timezone.localdate() + timedelta(days=7)}
            agent = Agent.objects.filter(scope_q(Agent, self.request.user), code=self.request.GET.get("agent")).first()
            if agent:
                initial["agent"] = agent
            evaluation = self._evaluation(self.request.GET.get("evaluation"))
            if evaluation:
                initial.update(agent=evaluation.agent, evaluation=evaluation.pk)
                weakest = evaluation.answers.filter(points_earned__isnull=False).select_related("criterion")
                failed = [a.criterion.text for a in weakest if a.failed]
                initial["topic"] = f"QA follow-up: {failed[0]}" if failed else "QA follow-up"
            context["form"] = CoachingCreateForm(user=self.request.user, initial=initial)
        context["title"] = "New coaching action"
        return context

    def _evaluation(self, value):
        if not value or not str(value).isdigit():
            return None
        return Evaluation.objects.filter(scope_q(Evaluation, self.request.user), pk=value).first()

    def post(self, request, *args, **kwargs):
        form = CoachingCreateForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                action = services.coaching_create(
                    actor=request.user,
                    agent=data["agent"],
                    topic=data["topic"],
                    due_date=data["due_date"],
                    notes=data["notes"],
                    evaluation=self._evaluation(data["evaluation"]),
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"Coaching action opened for {action.agent.name}.")
                return redirect(reverse("agents:detail", kwargs={"code": action.agent.code}))
        return self.render_to_response(self.get_context_data(form=form))


class CoachingEditView(QualityPage):
    model = CoachingAction
    capability = "coaching.manage"
    template_name = "quality/coaching_form.html"

    def action(self):
        return self.get_scoped(CoachingAction, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        action = self.action()
        context.setdefault("form", CoachingEditForm(instance=action))
        context.update(action=action, title=f"Coaching: {action.topic}")
        return context

    def post(self, request, *args, **kwargs):
        action = self.action()
        form = CoachingEditForm(request.POST, instance=CoachingAction.objects.get(pk=action.pk))
        if form.is_valid():
            try:
                services.coaching_update(
                    actor=request.user, action=action, **{f: form.cleaned_data[f] for f in form.Meta.fields}
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Coaching action saved.")
                return redirect(reverse("agents:detail", kwargs={"code": action.agent.code}))
        return self.render_to_response(self.get_context_data(form=form))


class NotificationListView(QualityPage):
    capability = "home.view"
    template_name = "quality/notifications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notifications"] = Notification.objects.filter(recipient=self.request.user)[:100]
        return context

    def post(self, request, *args, **kwargs):
        services.notification_mark_read(actor=request.user)
        messages.success(request, "All notifications marked read.")
        return redirect("quality:notifications")
