"""Demo master data for `make demo`: three clients in three time zones, their processes with SLA
targets, five teams, 66 agents and one login per role. Built through the same services as the
pages and the API (clients, processes, agents; the logins through accounts' demo builder), so the
demo obeys every rule a real user meets.
"""

from decimal import Decimal

from django.db import transaction

from accounts.demo import demo_login_create
from accounts.models import Role
from agents.models import Agent, AgentRole
from agents.services import agent_create, team_create
from clients.models import Client
from clients.services import client_create
from processes.services import process_create

CLIENTS = [
    dict(
        code="ACME",
        name="Acme Retail",
        timezone="America/New_York",
        monthly_fee=Decimal("120000"),
        credit_cap_percent=Decimal("15"),
        show_agent_names=False,
    ),
    dict(
        code="GLOBEX",
        name="Globex Telecom",
        timezone="Europe/London",
        monthly_fee=Decimal("95000"),
        credit_cap_percent=None,
        show_agent_names=True,
    ),
    dict(
        code="INITECH",
        name="Initech Insurance",
        timezone="Asia/Kolkata",
        monthly_fee=Decimal("60000"),
        credit_cap_percent=Decimal("10"),
        show_agent_names=False,
    ),
]


def _t(metric, comparator, target, credit="0"):
    return {
        "metric": metric,
        "comparator": comparator,
        "target": Decimal(str(target)),
        "credit_percent": Decimal(credit),
    }


PROCESSES = [
    dict(
        client="ACME",
        code="ACME-VOICE",
        name="Customer care hotline",
        channel="voice",
        sl_threshold_seconds=20,
        sla_targets=[
            _t("service_level", ">=", 80, "5"),
            _t("abandon_rate", "<=", 5, "2"),
            _t("aht", "<=", 360),
            _t("csat", ">=", 85, "1"),
        ],
    ),
    dict(
        client="ACME",
        code="ACME-CHAT",
        name="Web chat support",
        channel="chat",
        sl_threshold_seconds=60,
        sla_targets=[_t("service_level", ">=", 85, "3"), _t("csat", ">=", 80)],
    ),
    dict(
        client="ACME",
        code="ACME-EMAIL",
        name="Order enquiries by email",
        channel="email",
        sl_threshold_seconds=4 * 3600,
        tat_hours=24,
        sla_targets=[_t("service_level", ">=", 90, "2"), _t("fcr", ">=", 70)],
    ),
    dict(
        client="GLOBEX",
        code="GLOBEX-VOICE",
        name="Mobile technical support",
        channel="voice",
        sl_threshold_seconds=30,
        sl_formula="exclude_early_abandons",
        sla_targets=[_t("service_level", ">=", 80, "4"), _t("abandon_rate", "<=", 6, "2"), _t("fcr", ">=", 72, "2")],
    ),
    dict(
        client="GLOBEX",
        code="GLOBEX-BO",
        name="Number porting back office",
        channel="backoffice",
        tat_hours=48,
        sla_targets=[_t("tat_compliance", ">=", 95, "5"), _t("qa_score", ">=", 90)],
    ),
    dict(
        client="INITECH",
        code="INITECH-VOICE",
        name="Claims first notice of loss",
        channel="voice",
        sl_threshold_seconds=30,
        short_abandon_seconds=10,
        sla_targets=[_t("service_level", ">=", 90, "6"), _t("asa", "<=", 30), _t("csat_mean", ">=", Decimal("4.2"))],
    ),
    dict(
        client="INITECH",
        code="INITECH-CHAT",
        name="Policy servicing chat",
        channel="chat",
        sl_threshold_seconds=45,
        sl_formula="early_abandons_count_good",
        sla_targets=[_t("service_level", ">=", 85, "3")],
    ),
]

# team code, name, leader username, processes, agent role, how many agents
TEAMS = [
    ("T-NORTH", "North — Acme voice", "tl.north", ["ACME-VOICE"], AgentRole.CSR, 16),
    ("T-SOUTH", "South — Acme digital", "tl.south", ["ACME-CHAT", "ACME-EMAIL"], AgentRole.CSR, 12),
    ("T-EAST", "East — Globex tech support", "tl.east", ["GLOBEX-VOICE"], AgentRole.TECH_SUPPORT, 14),
    ("T-BO", "Back office — Globex porting", "tl.east", ["GLOBEX-BO"], AgentRole.BACK_OFFICE, 8),
    ("T-WEST", "West — Initech claims", "tl.west", ["INITECH-VOICE", "INITECH-CHAT"], AgentRole.CSR, 16),
]

FIRST = [
    "Aisha",
    "Ben",
    "Carla",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jamal",
    "Kavya",
    "Liam",
    "Maya",
    "Nikhil",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sanjay",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Okafor",
    "Schmidt",
    "Rossi",
    "Patel",
    "Novak",
    "Haddad",
    "Kim",
    "Tanaka",
    "García",
    "Brown",
    "Iyer",
    "Murphy",
    "Cohen",
    "Reddy",
    "Petrova",
    "Silva",
    "Walsh",
    "Lopez",
    "Menon",
    "Clarke",
    "Aziz",
    "Horvat",
    "Li",
]

LOGINS = [
    # username, role, first name, last name, extra
    ("admin", Role.ADMIN, "Ada", "Admin", {}),
    ("ops", Role.OPS_MANAGER, "Olivia", "Operations", {}),
    ("ops.acme", Role.OPS_MANAGER, "Oscar", "Acme-Delivery", {"clients": ["ACME"]}),
    ("tl.north", Role.TEAM_LEADER, "Nora", "North", {}),
    ("tl.south", Role.TEAM_LEADER, "Sam", "South", {}),
    ("tl.east", Role.TEAM_LEADER, "Ethan", "East", {}),
    ("tl.west", Role.TEAM_LEADER, "Wanda", "West", {}),
    ("qa", Role.QA_ANALYST, "Quentin", "Quality", {"processes": ["ACME-VOICE", "GLOBEX-VOICE", "GLOBEX-BO"]}),
    ("agent", Role.AGENT, "Aisha", "Okafor", {"agent": "A0001"}),
    ("client.acme", Role.CLIENT, "Carol", "Acme", {"client": "ACME"}),
    ("client.globex", Role.CLIENT, "Gus", "Globex", {"client": "GLOBEX"}),
]


@transaction.atomic
def seed_master_data() -> bool:
    """Create the demo master data once. Returns False when it was already there."""
    if Client.objects.filter(code="ACME").exists():
        return False
    clients = {}
    users = {}
    admin = demo_login_create(username="admin", role=Role.ADMIN, first_name="Ada", last_name="Admin")
    users["admin"] = admin
    for data in CLIENTS:
        clients[data["code"]] = client_create(actor=admin, **data)
    processes = {}
    for data in PROCESSES:
        data = dict(data)
        client = clients[data.pop("client")]
        processes[data["code"]] = process_create(actor=admin, client=client, **data)
    for username, role, first, last, extra in LOGINS[1:]:
        client = clients.get(extra.get("client"))
        users[username] = demo_login_create(
            username=username, role=role, first_name=first, last_name=last, client=client
        )
        if "clients" in extra:
            users[username].assigned_clients.set([clients[c] for c in extra["clients"]])
        if "processes" in extra:
            users[username].assigned_processes.set([processes[p] for p in extra["processes"]])
    number = 0
    for code, name, leader, team_processes, role, size in TEAMS:
        team = team_create(actor=admin, code=code, name=name, leader=users[leader])
        for _ in range(size):
            number += 1
            agent_name = f"{FIRST[(number - 1) % len(FIRST)]} {LAST[(number * 7) % len(LAST)]}"
            agent_create(
                actor=admin,
                code=f"A{number:04d}",
                name=agent_name,
                team=team,
                role=role,
                processes=[processes[p] for p in team_processes],
                active=number % 23 != 0,
            )
    first_agent = Agent.objects.get(code="A0001")
    first_agent.user = users["agent"]
    first_agent.save(update_fields=["user"])
    users["agent"].first_name, users["agent"].last_name = first_agent.name.split(" ", 1)
    users["agent"].save(update_fields=["first_name", "last_name"])
    return True


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, what they see) for the printed login table."""
    notes = {
        "admin": "everything, incl. Django admin",
        "ops": "all clients: master data, dashboards, imports",
        "ops.acme": "operations manager limited to ACME",
        "tl.north": "team leader of T-NORTH (Acme voice)",
        "tl.south": "team leader of T-SOUTH (Acme chat and email)",
        "tl.east": "team leader of T-EAST and T-BO (Globex)",
        "tl.west": "team leader of T-WEST (Initech)",
        "qa": "QA analyst for ACME-VOICE, GLOBEX-VOICE, GLOBEX-BO",
        "agent": "agent A0001 (team T-NORTH)",
        "client.acme": "client user of Acme Retail only",
        "client.globex": "client user of Globex Telecom only",
    }
    return [(username, str(role.label), notes[username]) for username, role, *_ in LOGINS]
