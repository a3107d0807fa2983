"""`{% load scope %}` … `{% for p in agent.processes.all|visible:request %}`: a related list shown
with only the objects the signed-in user may see (accounts.scoping.only_visible), so a page never
names another tenant's process on an agent, a user or a team that works for both."""

from django import template

from accounts.scoping import only_visible, request_scope_cache

register = template.Library()


@register.filter
def visible(objects, request):
    """The rows of `objects` inside `request.user`'s scope (none without a request)."""
    user = getattr(request, "user", None)
    return only_visible(objects or [], user, request_scope_cache(request) if user is not None else None)
