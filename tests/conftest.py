"""Two tenants: ALPHA (the one we act in) and BRAVO (which must stay invisible), with one user
per role on each side where the role is tenant-bound."""

import os
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import (
    PASSWORD,
    AgentFactory,
    ClientFactory,
    ProcessFactory,
    SLATargetFactory,
    TeamFactory,
    UserFactory,
)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str):
    """Skip when a service or browser is missing locally; in CI, a missing one is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Tenant:
    client: object
    process: object
    process2: object
    team: object
    agent: object
    team_leader: object
    qa: object
    agent_user: object
    client_user: object
    ops: object


def _tenant(prefix: str, tz: str) -> Tenant:
    client = ClientFactory(code=prefix, name=f"{prefix.title()} Holdings", timezone=tz)
    process = ProcessFactory(client=client, code=f"{prefix}-VOICE", name=f"{prefix.title()} hotline")
    process2 = ProcessFactory(client=client, code=f"{prefix}-CHAT", name=f"{prefix.title()} chat", channel="chat")
    SLATargetFactory(process=process, metric="service_level", comparator=">=", target=80)
    leader = UserFactory(username=f"tl_{prefix.lower()}", role=Role.TEAM_LEADER)
    team = TeamFactory(code=f"T-{prefix}", name=f"{prefix.title()} squad", leader=leader)
    agent_user = UserFactory(username=f"agent_{prefix.lower()}", role=Role.AGENT)
    agent = AgentFactory(
        code=f"{prefix[0]}0001",
        name=f"{prefix.title()} Agentperson",
        team=team,
        user=agent_user,
        processes=[process, process2],
    )
    qa = UserFactory(username=f"qa_{prefix.lower()}", role=Role.QA_ANALYST)
    qa.assigned_processes.set([process])
    client_user = UserFactory(username=f"client_{prefix.lower()}", role=Role.CLIENT, client=client)
    ops = UserFactory(username=f"ops_{prefix.lower()}", role=Role.OPS_MANAGER)
    ops.assigned_clients.set([client])
    return Tenant(client, process, process2, team, agent, leader, qa, agent_user, client_user, ops)


@pytest.fixture
def alpha(db) -> Tenant:
    return _tenant("ALPHA", "Asia/Kolkata")


@pytest.fixture
def bravo(db) -> Tenant:
    return _tenant("BRAVO", "America/New_York")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", role=Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.fixture
def ops_all(db):
    """An operations manager with no client assignment: sees every client."""
    return UserFactory(username="ops_all", role=Role.OPS_MANAGER)


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def password():
    return PASSWORD
