"""Settings come from the environment; a bad value stops start-up with a message naming it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROD_SECRET = "x7Vq2-pL9sK4mN8rT1wY6zB3cF5hJ0gD-aE7uI2oP4lK9jH6gF3dS1aZ8xC5vB2nM"


def start(env: dict, code: str = "import django; django.setup()") -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    base.update({"DJANGO_SETTINGS_MODULE": "bpo_portal.settings", **env})
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "env,named",
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://host:notaport/db"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://:6379/0"}, "REDIS_URL"),
        ({"ALLOWED_HOSTS": "a.example,,b.example"}, "ALLOWED_HOSTS"),
        ({"AXES_FAILURE_LIMIT": "five"}, "AXES_FAILURE_LIMIT"),
        ({"AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE"),
        ({"DJANGO_DEBUG": "false"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
        ({"DATABASE_REPLICA_URL": "postgres://h:5433/db"}, "DATABASE_REPLICA_URL"),  # the primary is SQLite
        ({"DATABASE_URL": "postgres://h/db", "DATABASE_REPLICA_URL": "mysql://h/db"}, "DATABASE_REPLICA_URL"),
        ({"REPLICA_PIN_SECONDS": "0"}, "REPLICA_PIN_SECONDS"),
        ({"REPLICA_READ_PATHS": "/dashboard/,,/api/"}, "REPLICA_READ_PATHS"),
    ],
)
def test_bad_environment_value_fails_start_up_naming_the_variable(env, named):
    result = start(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_defaults_are_sqlite_and_eager_celery():
    result = start(
        {},
        "import django; django.setup(); from django.conf import settings as s; from bpo_portal.celery import app;"
        "print(s.DATABASES['default']['ENGINE'], s.DEBUG, app.conf.task_always_eager)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]


def test_database_and_redis_urls_are_used():
    result = start(
        {"DATABASE_URL": "postgres://u:p@db.internal:5433/portal", "REDIS_URL": "redis://cache.internal:6380/2"},
        "import django; django.setup(); from django.conf import settings as s; from bpo_portal.celery import app;"
        "d = s.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'], app.conf.broker_url,"
        " app.conf.task_always_eager)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "db.internal",
        "5433",
        "portal",
        "redis://cache.internal:6380/2",
        "False",
    ]


def test_production_profile_passes_check_deploy_without_warnings(tmp_path):
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": PROD_SECRET,
        "ALLOWED_HOSTS": "portal.example.com",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_a_replica_url_adds_the_replica_database_and_its_router():
    result = start(
        {
            "DATABASE_URL": "postgres://u@db.internal/portal",
            "DATABASE_REPLICA_URL": "postgres://u@replica.internal/portal",
        },
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DATABASES['replica']['HOST'], s.DATABASE_ROUTERS[0], s.REPLICA_PIN_SECONDS)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["replica.internal", "bpo_portal.replica.ReplicaRouter", "15"]
