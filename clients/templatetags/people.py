"""People in templates: `{{ team.leader|person }}` is the full name, else the username, else
`—` when the relation is empty (an optional leader, reviewer, creator). A template must never
assume an optional relation exists: `default:team.leader.username` fails when there is no
leader (a filter's argument is resolved strictly)."""

from django import template

register = template.Library()


@register.filter
def person(user, empty="—") -> str:
    if user is None:
        return empty
    return user.get_full_name() or user.username
