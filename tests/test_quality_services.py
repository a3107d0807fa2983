"""Quality services and selectors: disputes, QA components for the KPI engine and marks,
calibration statistics, sampling, coaching, notifications and role scoping (ROLES.md)."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from accounts.models import Role
from processes.models import KpiMark
from quality import selectors, services
from quality.components import qa_components_sql
from quality.models import AgentResponse, Evaluation, EvaluationStatus, Notification, SampleItem
from tests.factories import AgentFactory, UserFactory
from tests.quality_fixtures import SECTIONS, build, full_marks, make_interaction

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)


@pytest.fixture
def qa(alpha, bravo):
    data = build(alpha)
    build(bravo)
    return data


def components(process, start=DAY, end=DAY):
    params = {
        "process": process.pk,
        "start": connection.ops.adapt_datefield_value(start),
        "end": connection.ops.adapt_datefield_value(end),
    }
    with connection.cursor() as cursor:
        cursor.execute(qa_components_sql(), params)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# --- disputes --------------------------------------------------------------------------------------


def test_a_dispute_cannot_be_resolved_by_the_original_evaluator(alpha, qa):
    with pytest.raises(ValidationError, match="other than the original evaluator"):
        services.dispute_resolve(actor=alpha.qa, dispute=qa.dispute, decision="uphold", resolution="Fine as is.")
    qa.dispute.refresh_from_db()
    assert qa.dispute.status == "open"


def test_a_second_reviewer_upholds_and_the_history_is_kept(alpha, qa):
    services.dispute_resolve(actor=qa.reviewer, dispute=qa.dispute, decision="uphold", resolution="Score stands.")
    qa.dispute.refresh_from_db()
    assert qa.dispute.status == "upheld" and qa.dispute.reviewer == qa.reviewer
    kinds = list(qa.evaluation.events.values_list("kind", flat=True))
    assert kinds == ["created", "disputed", "upheld"]
    assert Notification.objects.filter(recipient=alpha.agent_user, subject__startswith="Dispute upheld").exists()
    with pytest.raises(ValidationError):
        services.dispute_resolve(actor=qa.reviewer, dispute=qa.dispute, decision="uphold", resolution="again")


def test_only_the_evaluated_agent_may_acknowledge_or_dispute(alpha, qa):
    other_user = UserFactory(username="agent_two", role=Role.AGENT)
    AgentFactory(code="A2", user=other_user, team=alpha.team, processes=[alpha.process])
    interaction = make_interaction(alpha.process, alpha.agent, "ack-1", DAY)
    evaluation = services.evaluation_create(actor=alpha.qa, interaction=interaction, answers=full_marks(qa.scorecard))
    with pytest.raises(ValidationError):
        services.evaluation_acknowledge(actor=other_user, evaluation=evaluation)
    with pytest.raises(PermissionDenied):
        services.dispute_open(actor=alpha.qa, evaluation=evaluation, reason="x")
    services.evaluation_acknowledge(actor=alpha.agent_user, evaluation=evaluation)
    evaluation.refresh_from_db()
    assert evaluation.agent_response == AgentResponse.ACKNOWLEDGED
    with pytest.raises(ValidationError):
        services.dispute_open(actor=alpha.agent_user, evaluation=evaluation, reason="changed my mind")


def test_an_amended_score_changes_the_qa_components_and_marks_the_day(alpha, qa):
    # Fixture evaluation: need 3 of 5 → 88.0 (tests/quality_fixtures.py).
    before = components(alpha.process)
    assert [(r["agent_id"], r["qa_count"], round(r["qa_sum"], 6), r["qa_error_free"]) for r in before] == [
        (alpha.agent.pk, 1, 88.0, 0)
    ]
    assert str(before[0]["local_date"]) == "2026-03-02"
    KpiMark.objects.all().delete()
    services.dispute_resolve(
        actor=qa.reviewer,
        dispute=qa.dispute,
        decision="amend",
        resolution="The customer did hang up; full marks.",
        answers=full_marks(qa.scorecard),
    )
    after = components(alpha.process)
    assert [(r["qa_count"], round(r["qa_sum"], 6), r["qa_error_free"]) for r in after] == [(1, 100.0, 1)]
    assert list(KpiMark.objects.values_list("process_id", "local_date")) == [(alpha.process.pk, DAY)]
    old = Evaluation.objects.get(pk=qa.evaluation.pk)
    new = old.superseded_by
    assert old.status == EvaluationStatus.SUPERSEDED and new.status == EvaluationStatus.FINAL
    assert new.score == 100.0 and new.evaluator == qa.reviewer and new.supersedes == old
    assert selectors.evaluation_history(new) == [old, new]


def test_creating_and_voiding_an_evaluation_mark_the_day(alpha, qa):
    KpiMark.objects.all().delete()
    day = date(2026, 3, 9)
    interaction = make_interaction(alpha.process, alpha.agent, "m-1", day)
    evaluation = services.evaluation_create(actor=alpha.qa, interaction=interaction, answers=full_marks(qa.scorecard))
    assert KpiMark.objects.filter(process=alpha.process, local_date=day).exists()
    assert components(alpha.process, day, day)[0]["qa_count"] == 1
    KpiMark.objects.all().delete()
    services.evaluation_void(actor=alpha.qa, evaluation=evaluation, reason="Wrong call picked.")
    assert KpiMark.objects.filter(process=alpha.process, local_date=day).exists()
    assert components(alpha.process, day, day) == []


def test_qa_components_only_cover_the_process_and_range_asked(alpha, bravo, qa):
    assert components(alpha.process, date(2026, 3, 3), date(2026, 3, 31)) == []
    assert {r["process_id"] for r in components(bravo.process)} == {bravo.process.pk}


def test_qa_components_merge_into_the_engine_rows_as_documented(alpha, qa):
    """The wiring described in docs/architecture.md ("Quality"): a LEFT JOIN of the QA
    components onto the engine's per-(process, day, agent, team) interaction groups."""
    sql = (
        "SELECT g.process_id, g.local_date, g.agent_id, g.handled,"
        " COALESCE(q.qa_count, 0) AS qa_count, COALESCE(q.qa_sum, 0) AS qa_sum FROM ("
        "  SELECT i.process_id, i.client_id, i.local_date, i.agent_id, i.team_id, COUNT(*) AS handled"
        "  FROM processes_interaction i WHERE i.process_id = %(process)s"
        "  AND i.local_date BETWEEN %(start)s AND %(end)s"
        "  GROUP BY i.process_id, i.client_id, i.local_date, i.agent_id, i.team_id) g"
        f" LEFT JOIN ({qa_components_sql()}) q ON q.process_id = g.process_id"
        " AND q.local_date = g.local_date AND COALESCE(q.agent_id, 0) = COALESCE(g.agent_id, 0)"
        " AND COALESCE(q.team_id, 0) = COALESCE(g.team_id, 0) ORDER BY g.local_date"
    )
    params = {
        "process": alpha.process.pk,
        "start": connection.ops.adapt_datefield_value(DAY),
        "end": connection.ops.adapt_datefield_value(date(2026, 3, 3)),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [(r[3], r[4], round(r[5], 6)) for r in cursor.fetchall()]
    assert rows == [(1, 1, 88.0), (1, 0, 0.0)]


# --- notifications ---------------------------------------------------------------------------------


def test_the_agent_is_notified_in_the_portal_and_by_email_and_a_routine_score_spares_the_team_leader(
    alpha, qa, django_capture_on_commit_callbacks
):
    # Who else hears of an evaluation (fatal error, below target) is in tests/test_role_homes.py.
    alpha.agent_user.email = "agent@alpha.test"
    alpha.agent_user.save()
    alpha.team_leader.email = "tl@alpha.test"
    alpha.team_leader.save()
    interaction = make_interaction(alpha.process, alpha.agent, "n-1", DAY)
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_create(actor=alpha.qa, interaction=interaction, answers=full_marks(qa.scorecard))
    assert Notification.objects.filter(recipient=alpha.agent_user, subject__contains="100.0").exists()
    assert not Notification.objects.filter(recipient=alpha.team_leader).exists()
    assert [m.to for m in mail.outbox] == [["agent@alpha.test"]]


# --- calibration -----------------------------------------------------------------------------------


def _calibration(alpha, qa, expert=None):
    third = UserFactory(username="qa3_alpha", role=Role.QA_ANALYST)
    third.assigned_processes.set([alpha.process])
    session = services.calibration_create(
        actor=alpha.qa,
        interaction=qa.interaction,
        title="Hand-made",
        participants=[alpha.qa, qa.reviewer, third],
        expert=expert(alpha, qa) if expert else None,
    )
    c = list(session.scorecard.criteria())  # greeting/2, identity/1 fatal, need/5, upsell/1 N/A ok, summary/1
    scorings = {
        alpha.qa: [2, 1, 5, 1, 1],  # 100
        qa.reviewer: [2, 1, 3, 1, 1],  # 88
        third: [1, 1, 3, None, 1],  # (5 + 10 + 18 + 20) ÷ 70 = 75.714…
    }
    for user, points in scorings.items():
        services.calibration_submit(
            actor=user, session=session, answers=dict(zip([x.pk for x in c], points, strict=True))
        )
    with pytest.raises(ValidationError):
        services.calibration_submit(actor=third, session=session, answers={})
    services.calibration_close(actor=alpha.qa, session=session)
    session.refresh_from_db()
    return session, third


def test_calibration_statistics_against_the_consensus(alpha, qa):
    session, third = _calibration(alpha, qa)
    stats = selectors.calibration_stats(session)
    mean = (100 + 88 + 53 / 70 * 100) / 3
    assert not stats.reference_is_expert
    assert stats.reference_score == pytest.approx(mean)
    assert [c.reference for c in stats.criteria] == [2, 1, 3, 1, 1]
    assert [round(c.agreement, 2) for c in stats.criteria] == [66.67, 100.0, 66.67, 66.67, 100.0]
    by_user = {row.evaluator.username: row for row in stats.evaluators}
    assert by_user["qa_alpha"].deviation == pytest.approx(100 - mean)
    assert by_user["qa2_alpha"].deviation == pytest.approx(88 - mean)
    assert by_user["qa3_alpha"].deviation == pytest.approx(53 / 70 * 100 - mean)
    assert {name: row.disagreements for name, row in by_user.items()} == {
        "qa_alpha": 1,
        "qa2_alpha": 0,
        "qa3_alpha": 2,
    }


def test_calibration_statistics_against_an_expert(alpha, qa):
    session, third = _calibration(alpha, qa, expert=lambda alpha, qa: alpha.qa)
    stats = selectors.calibration_stats(session)
    assert stats.reference_is_expert and stats.reference_score == 100.0
    assert [c.reference for c in stats.criteria] == [2, 1, 5, 1, 1]
    # Judged: the reviewer and the third analyst (not the expert).
    assert [c.agreement for c in stats.criteria] == [50.0, 100.0, 0.0, 50.0, 100.0]
    by_user = {row.evaluator.username: row.deviation for row in stats.evaluators}
    assert by_user["qa2_alpha"] == pytest.approx(-12.0)
    assert by_user["qa3_alpha"] == pytest.approx(53 / 70 * 100 - 100)
    trend = selectors.evaluator_deviation_trend(user=alpha.qa)
    assert len(trend["months"]) == 1
    rows = {row["evaluator"].username: row["by_month"][trend["months"][0]] for row in trend["evaluators"]}
    assert rows["qa2_alpha"] == (pytest.approx(12.0), 1)


def test_calibration_is_blind_until_closed(client, alpha, qa):
    session = qa.calibration
    assert session.is_open
    with pytest.raises(ValidationError):
        services.calibration_close(actor=alpha.qa, session=session)  # fewer than two entries

    # Blind (quality/services.py, the detail page in quality/views.py): while a session is open a
    # participant sees only their own entry, never another's score or answers, the expert's
    # included, nor the agreement statistics; everything is revealed when it closes, and from
    # then on nobody can score it any more.
    expert = UserFactory(username="qa3_alpha", role=Role.QA_ANALYST)
    expert.assigned_processes.set([alpha.process])
    session = services.calibration_create(
        actor=alpha.qa, interaction=qa.interaction, title="Blind", participants=[alpha.qa, qa.reviewer], expert=expert
    )
    criteria = [c.pk for c in session.scorecard.criteria()]
    answers = {
        expert: [1, 1, 3, None, 1],  # (5 + 10 + 18 + 20) ÷ 70 = 75.7
        qa.reviewer: [2, 1, 3, 1, 1],  # 88.0
    }
    services.calibration_submit(
        actor=expert, session=session, answers=dict(zip(criteria, answers[expert], strict=True))
    )

    def page(user):
        client.force_login(user)
        response = client.get(session.get_absolute_url())
        assert response.status_code == 200
        return response, response.content.decode()

    def assert_blind(response, html, who):
        assert "stats" not in response.context, who
        assert 'data-testid="deviations"' not in html and 'data-testid="agreement"' not in html, who
        assert "75.7" not in html, f"{who} sees the expert's score"

    # Before scoring: an empty form (nothing taken from the expert's entry), no one else's results.
    response, html = page(qa.reviewer)
    assert "Your blind scoring" in html
    assert html.count('<option value="" selected>— score —</option>') == len(criteria)
    assert_blind(response, html, "the reviewer before scoring")
    # After scoring: their own score only.
    reviewer_answers = dict(zip(criteria, answers[qa.reviewer], strict=True))
    services.calibration_submit(actor=qa.reviewer, session=session, answers=reviewer_answers)
    response, html = page(qa.reviewer)
    assert "You scored 88.0" in html and "Your blind scoring" not in html
    assert_blind(response, html, "the reviewer after scoring")
    # The expert does not see the reviewer's score either; the one who has not scored sees neither.
    response, html = page(expert)
    assert "You scored 75.7" in html and "88.0" not in html
    assert "stats" not in response.context and 'data-testid="deviations"' not in html
    response, html = page(alpha.qa)
    assert "Your blind scoring" in html and "88.0" not in html
    assert_blind(response, html, "the participant who has not scored")

    services.calibration_close(actor=alpha.qa, session=session)
    response, html = page(qa.reviewer)
    assert response.context["stats"].reference_is_expert
    assert 'data-testid="deviations"' in html and 'data-testid="agreement"' in html
    assert "75.7" in html and "88.0" in html
    with pytest.raises(ValidationError, match="closed"):
        services.calibration_submit(actor=alpha.qa, session=session, answers=reviewer_answers)


# --- sampling and coaching -------------------------------------------------------------------------


def test_weekly_sample_tops_up_to_the_configured_size_per_agent_and_is_idempotent(alpha, qa):
    for n in range(6):
        make_interaction(alpha.process, alpha.agent, f"s-{n}", date(2026, 3, 2 + n % 5))
    services.sample_plan_set(actor=alpha.qa, process=alpha.process, per_agent_per_week=3)
    assert services.sample_draw(process=alpha.process, week_start=date(2026, 3, 4)) == 3
    assert services.sample_draw(process=alpha.process, week_start=date(2026, 3, 2)) == 0
    items = SampleItem.objects.filter(process=alpha.process, week_start=date(2026, 3, 2))
    assert items.count() == 3 and {i.agent_id for i in items} == {alpha.agent.pk}
    services.sample_plan_set(actor=alpha.qa, process=alpha.process, per_agent_per_week=5)
    assert services.sample_draw(process=alpha.process, week_start=date(2026, 3, 2)) == 2


def test_coaching_open_for_agent_is_scoped(alpha, bravo, qa):
    assert list(selectors.coaching_open_for_agent(alpha.agent, alpha.team_leader)) == [qa.coaching]
    assert list(selectors.coaching_open_for_agent(alpha.agent, alpha.agent_user)) == [qa.coaching]
    assert list(selectors.coaching_open_for_agent(alpha.agent, bravo.team_leader)) == []
    with pytest.raises(ValidationError):
        services.coaching_update(actor=alpha.team_leader, action=qa.coaching, status="done")
    services.coaching_update(actor=alpha.team_leader, action=qa.coaching, status="done", outcome="Practised.")
    assert list(selectors.coaching_open_for_agent(alpha.agent, alpha.team_leader)) == []


# --- role scoping ----------------------------------------------------------------------------------


def test_qa_analyst_sees_only_evaluations_of_assigned_processes(alpha, bravo, qa, admin_user):
    chat_card = services.scorecard_create(actor=admin_user, process=alpha.process2, name="Chat", sections=SECTIONS)
    chat = make_interaction(alpha.process2, alpha.agent, "chat-1", DAY)
    services.evaluation_create(actor=admin_user, interaction=chat, answers=full_marks(chat_card))
    visible = set(selectors.evaluation_list(user=alpha.qa).values_list("process__code", flat=True))
    assert visible == {"ALPHA-VOICE"}
    with pytest.raises(ValidationError):  # not assigned to the chat process
        services.evaluation_create(
            actor=alpha.qa, interaction=make_interaction(alpha.process2, alpha.agent, "chat-2", DAY), answers={}
        )


def test_agent_sees_only_their_own_evaluations_and_team_leader_their_agents(alpha, bravo, qa):
    other_user = UserFactory(username="agent_other", role=Role.AGENT)
    other = AgentFactory(code="A9", user=other_user, processes=[alpha.process])  # another team
    services.evaluation_create(
        actor=alpha.qa,
        interaction=make_interaction(alpha.process, other, "o-1", DAY),
        answers=full_marks(qa.scorecard),
    )
    assert set(selectors.evaluation_list(user=alpha.agent_user).values_list("agent__code", flat=True)) == {"A0001"}
    assert set(selectors.evaluation_list(user=other_user).values_list("agent__code", flat=True)) == {"A9"}
    assert set(selectors.evaluation_list(user=alpha.team_leader).values_list("agent__code", flat=True)) == {"A0001"}
    assert selectors.evaluation_list(user=alpha.qa).count() == 2


def test_client_user_gets_only_aggregated_qa_for_their_client(alpha, bravo, qa):
    assert not selectors.evaluation_list(user=alpha.client_user).exists()
    summary = selectors.qa_summary_by_process(user=alpha.client_user)
    assert {row["process"].code for row in summary} == {"ALPHA-VOICE", "ALPHA-CHAT"}
    voice = next(row for row in summary if row["process"].code == "ALPHA-VOICE")
    assert voice["evaluations"] == 1 and voice["qa_score"] == pytest.approx(88.0)
    # Accuracy is a back-office audit figure: a call's evaluation gives a score, not "0.0 %" accuracy.
    assert voice["accuracy"] is None
    rates = selectors.criterion_failure_rates(user=alpha.client_user, process=alpha.process)
    assert rates[0].criterion.text == "Understood the need" and rates[0].failure_rate == 100.0
    assert selectors.accuracy(user=bravo.client_user, process=alpha.process) is None
