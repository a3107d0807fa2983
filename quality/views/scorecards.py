"""Scorecards: the list, one version with a preview as evaluators see it, the builder (create,
edit: a new version once a version is in use) and its htmx preview."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from quality import selectors, services
from quality.forms import ScorecardForm, ScoringForm, definition_text, parse_definition
from quality.models import Scorecard
from quality.views.base import QualityPage, apply_errors


class ScorecardListView(QualityPage):
    capability = "quality.evaluations"
    template_name = "quality/scorecard_list.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        show_all = self.request.GET.get("all")
        rows = selectors.scorecard_list(user=self.request.user, current_only=show_all != "1")
        context.update(scorecards=rows, can_manage=self.can("quality.manage"), show_all=show_all)
        return context


class ScorecardDetailView(QualityPage):
    model = Scorecard
    capability = "quality.evaluations"
    template_name = "quality/scorecard_detail.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scorecard = self.get_scoped(Scorecard, pk=self.kwargs["pk"])
        page = selectors.scorecard_page(scorecard)
        context.update(
            scorecard=scorecard,
            preview=ScoringForm(criteria=scorecard.criteria(), with_comment=False),
            versions=page.versions,
            in_use=services.scorecard_in_use(scorecard),
            evaluation_count=page.evaluation_count,
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

    def save(self, scorecard, data) -> Scorecard:
        if scorecard is None:
            return services.scorecard_create(
                actor=self.request.user,
                process=data["process"],
                name=data["name"],
                description=data["description"],
                sections=data["definition"],
            )
        return services.scorecard_update(
            actor=self.request.user,
            scorecard=scorecard,
            name=data["name"],
            description=data["description"],
            active=data["active"],
            sections=data["definition"],
        )

    def post(self, request, *args, **kwargs):
        scorecard = self.scorecard()
        form = ScorecardForm(request.POST, user=request.user, editing=self.editing)
        if form.is_valid():
            try:
                result = self.save(scorecard, form.cleaned_data)
            except ValidationError as exc:
                # The services speak of `sections`; the form's field is the definition text.
                if hasattr(exc, "error_dict") and "sections" in exc.error_dict:
                    form.add_error("definition", exc.error_dict.pop("sections"))
                    exc = ValidationError(exc.error_dict) if exc.error_dict else None
                if exc is not None:
                    apply_errors(form, exc)
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
    """htmx: the scorecard being built, rendered as the evaluator will see it."""

    capability = "quality.manage"
    template_name = "quality/_scorecard_preview.html"

    def post(self, request, *args, **kwargs):
        try:
            sections = parse_definition(request.POST.get("definition", ""))
            errors = []
        except ValidationError as exc:
            sections, errors = [], exc.messages
        return self.render_to_response({"sections": sections, "errors": errors})
