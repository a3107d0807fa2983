from accounts.models import User
from accounts.scoping import scope_q


def user_list(*, user):
    """The logins `user` may see, with their client and agent record."""
    return User.objects.filter(scope_q(User, user)).select_related("client", "agent")
