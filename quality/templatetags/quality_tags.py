"""Template tags for pages outside the quality app (the agent page's coaching card)."""

from django import template

from accounts.permissions import has_capability
from quality.selectors import coaching_open_for_agent

register = template.Library()


@register.inclusion_tag("quality/_agent_coaching.html", takes_context=True)
def agent_coaching(context, agent):
    """The open coaching actions of `agent` that the signed-in user may see, with a "new" link
    for those who may manage coaching. Renders nothing useful for roles without coaching.view."""
    user = context["request"].user
    visible = has_capability(user, "coaching.view")
    return {
        "agent": agent,
        "coaching_actions": coaching_open_for_agent(agent, user) if visible else [],
        "can_manage_coaching": has_capability(user, "coaching.manage"),
        "show": visible,
    }
