"""The live score of the scoring forms adds up numbers the server computed (issue 15): each
criterion's select carries the contribution of every answer from quality.scoring, and for every
possible scoring of the fixture scorecard, adding them up as static/js/quality.js does gives the
score the server saves. The browser side is tests/test_quality_browser.py."""

import itertools
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from quality import scoring
from tests.quality_fixtures import build, make_interaction

pytestmark = pytest.mark.django_db
QUALITY_JS = Path(__file__).resolve().parent.parent / "static" / "js" / "quality.js"


class _Selects(HTMLParser):
    """{select name: its data-contributions, parsed} of the scoring selects of a page."""

    def __init__(self):
        super().__init__()
        self.selects: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" and "data-contributions" in attrs:
            self.selects[attrs["name"]] = json.loads(attrs["data-contributions"])


def _selects(html: str) -> dict[str, dict]:
    parser = _Selects()
    parser.feed(html)
    return parser.selects


def _live_score(chosen: list[dict]) -> str:
    """What quality.js shows once every criterion is answered."""
    earned = sum(part["earned"] for part in chosen)
    weight = sum(part["weight"] for part in chosen)
    if weight == 0:
        return "—"
    return "0.0 (fatal)" if any(part["fails_fatal"] for part in chosen) else f"{earned / weight:.1f}"


@pytest.fixture
def page(client, alpha):
    data = build(alpha)
    interaction = make_interaction(alpha.process, alpha.agent, "live-1", date(2026, 3, 9))
    client.force_login(alpha.qa)
    html = client.get(f"/quality/evaluate/{interaction.pk}/").content.decode()
    return data, _selects(html)


def test_every_answer_carries_its_contribution(page):
    data, selects = page
    criteria = list(data.scorecard.criteria())
    assert len(selects) == len(criteria)
    table = scoring.answer_contributions(scoring.specs_for(criteria))
    for criterion in criteria:
        parts = selects[f"c{criterion.pk}"]
        assert "" not in parts  # unanswered: the live score waits
        assert set(parts) == {"na" if points is None else str(points) for points in table[criterion.pk]}
        for points, part in table[criterion.pk].items():
            shown = parts["na" if points is None else str(points)]
            assert shown["earned"] == pytest.approx(float(part.earned))
            assert shown["weight"] == pytest.approx(float(part.weight))
            assert shown["fails_fatal"] is part.fails_fatal


def test_the_live_score_equals_the_saved_score_for_every_possible_scoring(page):
    data, selects = page
    criteria = list(data.scorecard.criteria())
    specs = scoring.specs_for(criteria)
    combinations = list(itertools.product(*[list(selects[f"c{c.pk}"]) for c in criteria]))
    assert len(combinations) == 3 * 2 * 6 * 3 * 2
    for combination in combinations:
        pairs = list(zip(criteria, combination, strict=True))
        answers = {c.pk: None if v == "na" else int(v) for c, v in pairs}
        result = scoring.score(specs, answers)
        expected = "0.0 (fatal)" if result.fatal_failed else f"{result.score:.1f}"
        assert _live_score([selects[f"c{c.pk}"][v] for c, v in pairs]) == expected, answers


def test_the_hand_computed_case_of_the_browser_test(page):
    data, selects = page
    chosen = [
        selects[f"c{c.pk}"][str(3 if c.text == "Understood the need" else c.points_possible)]
        for c in data.scorecard.criteria()
    ]
    assert _live_score(chosen) == "88.0"


def test_quality_js_holds_no_scoring_rule_of_its_own():
    """It reads the contributions only: no points possible, weights or sections of criteria."""
    source = QUALITY_JS.read_text()
    assert set(re.findall(r"dataset\.(\w+)", source)) == {"contributions"}
    for name in ("points", "sectionWeight", "data-section", "parseInt"):
        assert name not in source


def test_the_other_scoring_forms_carry_the_contributions_too(client, alpha):
    data = build(alpha)
    count = len(data.scorecard.criteria())
    client.force_login(data.reviewer)
    for url in (f"/quality/disputes/{data.dispute.pk}/", f"/quality/calibration/{data.calibration.pk}/"):
        assert len(_selects(client.get(url).content.decode())) == count, url
    client.force_login(alpha.qa)
    assert len(_selects(client.get(f"/quality/scorecards/{data.scorecard.pk}/").content.decode())) == count
