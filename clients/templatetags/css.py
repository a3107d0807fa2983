"""Text inside CSS, for the PDF stylesheet: `{% load css %}`.

    @top-left { content: {{ client.name|css_string }} " · SLA report"; }
    {{ '<script>"x"'|css_string }}  → "\00003Cscript\00003E\000022x\000022" (with its quotes)

The filter writes a whole CSS string literal (bpo_portal.exports.css_string); HTML escaping
does not apply inside <style> and `escapejs` writes JavaScript escapes CSS reads as letters.
"""

from django import template
from django.utils.safestring import mark_safe

from bpo_portal import exports

register = template.Library()


@register.filter
def css_string(value):
    return mark_safe(exports.css_string(value))  # noqa: S308 - only letters, digits, spaces and CSS escapes
