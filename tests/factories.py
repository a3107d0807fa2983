import factory

from accounts.models import Role, User
from agents.models import Agent, AgentRole, Team
from clients.models import Client
from processes.models import Process, SLATarget

PASSWORD = "Correct-Horse-42"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    code = factory.Sequence(lambda n: f"CL{n:03d}")
    name = factory.Sequence(lambda n: f"Client number {n}")
    timezone = "Europe/London"


class ProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Process

    client = factory.SubFactory(ClientFactory)
    code = factory.Sequence(lambda n: f"PR{n:03d}")
    name = factory.Sequence(lambda n: f"Process number {n}")
    channel = "voice"
    timezone = factory.LazyAttribute(lambda p: p.client.timezone)


class SLATargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLATarget

    process = factory.SubFactory(ProcessFactory)
    metric = "service_level"
    comparator = ">="
    target = 80


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.AGENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"Team number {n}")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"AG{n:04d}")
    name = factory.Sequence(lambda n: f"Agent Person {n}")
    team = factory.SubFactory(TeamFactory)
    role = AgentRole.CSR

    @factory.post_generation
    def processes(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.processes.set(extracted)


def _now():
    from django.utils import timezone

    return timezone.now()


def _due(item):
    from datetime import timedelta

    return item.received_at + timedelta(hours=item.process.tat_hours)


class WorkItemFactory(factory.django.DjangoModelFactory):
    """An open, unassigned work item due per its process's turnaround target."""

    class Meta:
        model = "work.WorkItem"

    process = factory.SubFactory(ProcessFactory)
    client = factory.LazyAttribute(lambda w: w.process.client)
    title = factory.Sequence(lambda n: f"Work item {n}")
    received_at = factory.LazyFunction(_now)
    due_at = factory.LazyAttribute(_due)
