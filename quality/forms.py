"""Forms of the quality pages. They collect input; the services decide and write."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from accounts.models import Role, User
from accounts.scoping import scope_q
from agents.models import Agent
from processes.models import Process
from quality import scoring
from quality.models import CoachingAction, CoachingStatus

NA = "na"

DEFINITION_HELP = (
    "One line per section or criterion. A section: <code># Title | weight</code>. A criterion below "
    "it: <code>text | points possible</code>, then optional flags: <code>fatal</code> (failing it sets the "
    "score to 0), <code>na</code> (may be not applicable), <code>w=2</code> (relative weight inside the "
    "section). A line starting with <code>&gt;</code> is guidance for the criterion above."
)


def parse_definition(text: str) -> list[dict]:
    """The builder's text format → the section/criterion structure the services take."""
    sections: list[dict] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            title, _, weight = line.lstrip("#").partition("|")
            try:
                value = Decimal(weight.strip() or "1")
            except InvalidOperation:
                errors.append(f"line {number}: the section weight must be a number.")
                value = Decimal("1")
            sections.append({"title": title.strip(), "weight": value, "criteria": []})
            continue
        if not sections:
            errors.append(f"line {number}: start with a section line (# Title | weight).")
            continue
        criteria = sections[-1]["criteria"]
        if line.startswith(">"):
            if not criteria:
                errors.append(f"line {number}: guidance must follow a criterion.")
            else:
                criteria[-1]["guidance"] = (criteria[-1].get("guidance", "") + " " + line[1:].strip()).strip()
            continue
        parts = [p.strip() for p in line.split("|")]
        criterion = {"text": parts[0], "points_possible": 1, "weight": Decimal("1"), "fatal": False, "allow_na": False}
        try:
            if len(parts) > 1:
                criterion["points_possible"] = int(parts[1])
            for flag in parts[2:]:
                lowered = flag.lower()
                if lowered == "fatal":
                    criterion["fatal"] = True
                elif lowered in ("na", "n/a"):
                    criterion["allow_na"] = True
                elif lowered.startswith(("w=", "weight=")):
                    criterion["weight"] = Decimal(lowered.split("=", 1)[1])
                elif lowered:
                    errors.append(f"line {number}: unknown flag {flag!r} (fatal, na, w=…).")
        except (ValueError, InvalidOperation):
            errors.append(f"line {number}: points and weights must be numbers.")
        criteria.append(criterion)
    if errors:
        raise ValidationError(errors)
    return sections


def definition_text(sections: list[dict]) -> str:
    """The structure back to the builder's text format (for editing)."""
    lines = []
    for section in sections:
        lines.append(f"# {section['title']} | {Decimal(section['weight']).normalize():f}")
        for c in section["criteria"]:
            flags = [str(c["points_possible"])]
            if c.get("fatal"):
                flags.append("fatal")
            if c.get("allow_na"):
                flags.append("na")
            if Decimal(c.get("weight", 1)) != 1:
                flags.append(f"w={Decimal(c['weight']).normalize():f}")
            lines.append(" | ".join([c["text"], *flags]))
            if c.get("guidance"):
                lines.append(f"> {c['guidance']}")
        lines.append("")
    return "\n".join(lines).strip() + "\n"


EXAMPLE_DEFINITION = """# Opening | 20
Greeted with the approved script | 2
Verified the customer's identity | 1 | fatal
> Two of: date of birth, postcode, last payment.
# Resolution | 60
Understood the need | 5
Offered the relevant product | 1 | na
# Closing | 20
Summarised next steps | 1
"""


class ScorecardForm(forms.Form):
    process = forms.ModelChoiceField(queryset=Process.objects.none())
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    definition = forms.CharField(
        label="Sections and criteria",
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
        help_text=DEFINITION_HELP,
        initial=EXAMPLE_DEFINITION,
    )
    active = forms.BooleanField(required=False, initial=True, help_text="Used for new evaluations.")

    def __init__(self, *args, user, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["process"].queryset = Process.objects.filter(scope_q(Process, user)).order_by("code")
        if editing:
            del self.fields["process"]

    def clean_definition(self):
        sections = parse_definition(self.cleaned_data["definition"])
        if not sections:
            raise ValidationError("Add at least one section.")
        return sections


def answer_field_name(criterion) -> str:
    return f"c{criterion.pk}"


def comment_field_name(criterion) -> str:
    return f"note{criterion.pk}"


UNANSWERED = ""


def contributions_attr(parts: dict) -> str:
    """A criterion's {points or None: scoring.Contribution} as the JSON its select carries
    (`data-contributions`: {"2": {"earned": …, "weight": …, "fails_fatal": …}, "na": …}), so the
    live score of quality.js only adds up what quality.scoring computed."""
    return json.dumps(
        {
            NA if points is None else str(points): {
                "earned": float(part.earned),
                "weight": float(part.weight),
                "fails_fatal": part.fails_fatal,
            }
            for points, part in parts.items()
        },
        separators=(",", ":"),
    )


class ScoringForm(forms.Form):
    """One choice (points, or not applicable) and one comment per criterion of a scorecard.

    A new scoring starts unanswered (no points preselected), so an evaluator who saves without
    scoring is refused criterion by criterion instead of recording full marks. `initial_answers`
    ({criterion id: (points or None, comment)}) prefills an existing scoring, e.g. to amend it.
    """

    comment = forms.CharField(
        label="Overall comment", widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}), required=False
    )

    def __init__(self, *args, criteria, with_comment=True, initial_answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        if not with_comment:
            del self.fields["comment"]
        initial_answers = initial_answers or {}
        contributions = scoring.answer_contributions(scoring.specs_for(self.criteria))
        for c in self.criteria:
            choices = [(UNANSWERED, "— score —")]
            choices += [(str(p), f"{p} / {c.points_possible}") for p in range(c.points_possible, -1, -1)]
            if c.allow_na:
                choices.append((NA, "N/A"))
            points, note = initial_answers.get(c.pk, (UNANSWERED, ""))
            self.fields[answer_field_name(c)] = forms.ChoiceField(
                label=c.text,
                choices=choices,
                initial=NA if points is None else str(points),
                error_messages={"required": self.unanswered_message(c)},
                widget=forms.Select(
                    attrs={
                        "class": "form-select form-select-sm",
                        "data-contributions": contributions_attr(contributions[c.pk]),
                    }
                ),
            )
            self.fields[comment_field_name(c)] = forms.CharField(
                label=f"Comment on “{c.text}”",
                required=False,
                initial=note,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": "Comment"}),
            )

    @staticmethod
    def unanswered_message(criterion) -> str:
        if criterion.allow_na:
            return "Not answered yet: choose the points earned, or N/A if it does not apply."
        return "Not answered yet: choose the points earned."

    def unanswered(self) -> list:
        """The criteria a bound form left unanswered (in scorecard order)."""
        if not self.is_bound:
            return []
        return [c for c in self.criteria if not self.data.get(self.add_prefix(answer_field_name(c)))]

    def clean(self):
        cleaned = super().clean()
        missing = self.unanswered()
        if missing:
            names = "; ".join(f"“{c.text}”" for c in missing)
            raise ValidationError(
                f"Not saved: {len(missing)} of {len(self.criteria)} criteria still unanswered: {names}. "
                "Score each one, or mark it N/A where that is allowed."
            )
        return cleaned

    def rows(self):
        """(section, [(criterion, answer field, comment field)]) in scorecard order, for templates."""
        grouped = []
        for c in self.criteria:
            if not grouped or grouped[-1][0].pk != c.section_id:
                grouped.append((c.section, []))
            grouped[-1][1].append((c, self[answer_field_name(c)], self[comment_field_name(c)]))
        return grouped

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            c.pk: None if data[answer_field_name(c)] == NA else int(data[answer_field_name(c)]) for c in self.criteria
        }

    def comments(self) -> dict:
        return {c.pk: self.cleaned_data.get(comment_field_name(c), "") for c in self.criteria}


class DisputeForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What do you think was scored wrongly, and why? A reviewer other than the evaluator decides.",
    )


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("uphold", "Uphold: the score stands"), ("amend", "Amend: re-score below")],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    resolution = forms.CharField(
        label="Explanation to the agent", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class VoidForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class SamplePlanForm(forms.Form):
    per_agent_per_week = forms.IntegerField(label="Sample size per agent per week", min_value=1, max_value=100)


class CoachingCreateForm(forms.Form):
    agent = forms.ModelChoiceField(queryset=Agent.objects.none())
    topic = forms.CharField(max_length=200)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    evaluation = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = Agent.objects.filter(scope_q(Agent, user), active=True).order_by("code")


class CoachingEditForm(forms.ModelForm):
    class Meta:
        model = CoachingAction
        fields = ["topic", "due_date", "notes", "outcome", "status"]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = CoachingStatus.choices


class CalibrationForm(forms.Form):
    title = forms.CharField(max_length=200)
    process = forms.ModelChoiceField(queryset=Process.objects.none())
    interaction = forms.CharField(label="Interaction (external id)", max_length=100)
    participants = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, help_text="At least two evaluators."
    )
    expert = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        help_text="Optional: deviations are measured against the expert instead of the consensus.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["process"].queryset = Process.objects.filter(scope_q(Process, user)).order_by("code")
        # Colleagues who audit the same processes (a QA analyst sees no other users otherwise).
        processes = Process.objects.filter(scope_q(Process, user)).values("pk")
        evaluators = (
            User.objects.unscoped("colleagues on the caller's processes, outside a QA analyst's own scope")
            .filter(
                pk__in=User.objects.filter(
                    Q(role=Role.QA_ANALYST, assigned_processes__in=processes, is_active=True) | Q(pk=user.pk)
                ).values("pk")
            )
            .order_by("username")
        )
        self.fields["participants"].queryset = evaluators
        self.fields["expert"].queryset = evaluators
