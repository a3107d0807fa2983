"""`/api/v1/work-items/` and `…/{id}/assign/`: contract, scoping, optimistic lock, transitions."""

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import api_as
from tests.factories import AgentFactory, WorkItemFactory
from work.models import Status, WorkItem

pytestmark = pytest.mark.django_db
URL = "/api/v1/work-items/"


def test_create_defaults_and_lists_only_the_callers_items(alpha, bravo):
    WorkItemFactory(process=bravo.process, title="Bravo item")
    api = api_as(alpha.team_leader)
    response = api.post(
        URL,
        {"process": "ALPHA-VOICE", "type": "escalation", "title": "Angry customer", "priority": "urgent"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "new" and body["priority"] == "urgent" and body["client"] == "ALPHA"
    assert body["assignee"] is None and body["version"] == 1 and body["overdue"] is False
    listed = api.get(URL).json()
    assert listed["count"] == 1 and listed["results"][0]["title"] == "Angry customer"
    assert "Bravo" not in api.get(URL).content.decode()


def test_create_into_another_tenants_process_is_a_400_that_reveals_nothing(alpha, bravo):
    response = api_as(alpha.ops).post(URL, {"process": "BRAVO-VOICE", "title": "x"}, format="json")
    assert response.status_code == 400 and "process" in response.json()
    assert WorkItem.objects.count() == 0


def test_assign_endpoint_checks_staffing_scope_and_version(alpha, bravo):
    item = WorkItemFactory(process=alpha.process)
    api = api_as(alpha.team_leader)
    other = AgentFactory(team=alpha.team, processes=[alpha.process2])
    response = api.post(f"{URL}{item.pk}/assign/", {"agent": other.code}, format="json")
    assert response.status_code == 400 and "not staffed" in response.json()["agent"][0]
    response = api.post(f"{URL}{item.pk}/assign/", {"agent": bravo.agent.code}, format="json")
    assert response.status_code == 400  # an agent outside the caller's scope "does not exist"
    response = api.post(f"{URL}{item.pk}/assign/", {"agent": "A0001", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == "A0001"
    assert response.json()["status"] == "assigned" and response.json()["version"] == 2
    response = api.post(f"{URL}{item.pk}/assign/", {"agent": None, "version": 1}, format="json")
    assert response.status_code == 409 and "changed by someone else" in response.json()["detail"]
    foreign = WorkItemFactory(process=bravo.process)
    assert api.post(f"{URL}{foreign.pk}/assign/", {"agent": "A0001"}, format="json").status_code == 404


def test_agent_patches_status_but_cannot_edit_or_assign(alpha):
    item = WorkItemFactory(process=alpha.process, assignee=alpha.agent, status=Status.ASSIGNED)
    api = api_as(alpha.agent_user)
    assert api.get(f"{URL}{item.pk}/").status_code == 200
    response = api.patch(f"{URL}{item.pk}/", {"status": "in_progress"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    response = api.patch(f"{URL}{item.pk}/", {"status": "done"}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = api.patch(f"{URL}{item.pk}/", {"status": "done", "note": "ok"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert response.json()["handle_seconds"] >= 0
    assert api.patch(f"{URL}{item.pk}/", {"title": "mine now"}, format="json").status_code == 403
    assert api.post(f"{URL}{item.pk}/assign/", {"agent": "A0001"}, format="json").status_code == 403
    assert api.post(URL, {"process": "ALPHA-VOICE", "title": "x"}, format="json").status_code == 403


def test_patch_edits_fields_with_an_optimistic_lock(alpha):
    item = WorkItemFactory(process=alpha.process)
    api = api_as(alpha.team_leader)
    response = api.patch(f"{URL}{item.pk}/", {"title": "Renamed", "priority": "high", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Renamed"
    response = api.patch(f"{URL}{item.pk}/", {"title": "Again", "version": 1}, format="json")
    assert response.status_code == 409
    response = api.patch(f"{URL}{item.pk}/", {"status": "assigned"}, format="json")
    assert response.status_code == 400


def test_client_and_qa_users_get_403(alpha):
    for user in (alpha.client_user, alpha.qa):
        assert api_as(user).get(URL).status_code == 403


def test_import_command_is_all_or_nothing(alpha, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text("process,title\nALPHA-VOICE,From the command line\n")
    call_command("import_work_items", str(good))
    assert WorkItem.objects.filter(title="From the command line").exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("process,title\nALPHA-VOICE,ok\nNOPE,x\n")
    with pytest.raises(CommandError):
        call_command("import_work_items", str(bad))
    assert "line 3, column process: no process 'NOPE'" in capsys.readouterr().err
    assert WorkItem.objects.count() == 1
