"""``{{ line.step|close_step }}``: a close step by name on the admin's pages."""

from django import template

from loans.models.eod import step_label

register = template.Library()


@register.filter
def close_step(step: str) -> str:
    return step_label(step)
