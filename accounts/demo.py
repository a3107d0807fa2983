"""The accounts part of the demo (`manage.py seed_demo`, app `demo`): demo logins and their one
published password. The apps that add demo logins of their own (quality's second QA analysts)
use the same password hash.
"""

from django.conf import settings
from django.contrib.auth.hashers import make_password

from accounts.models import Role, User

DEMO_PASSWORD = "bpo-demo-2026"

_HASHED: dict[tuple, str] = {}


def demo_password_hash() -> str:
    """The demo password hashed once per seeding and shared by every demo login: one PBKDF2 run
    (~0.5 s) instead of one per user. A salt shared by users who share a published password
    reveals nothing."""
    key = tuple(settings.PASSWORD_HASHERS)
    if key not in _HASHED:
        _HASHED[key] = make_password(DEMO_PASSWORD)
    return _HASHED[key]


def demo_login_create(*, username: str, role: str, first_name: str, last_name: str, client=None) -> User:
    """A demo login with the demo password and an address at demo.invalid (never mailed);
    administrators are staff and superusers. Saved directly: the demo's users are not created by
    an actor, and the password validators would refuse the published password."""
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        client=client,
        email=f"{username}@demo.invalid",
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    user.password = demo_password_hash()
    user.save()
    return user
