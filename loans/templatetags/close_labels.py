"""``{{ line.step|close_step }}``, ``{{ loan.delinquency_bucket|bucket }}``: a close step and a
delinquency bucket by name on the admin's pages."""

from django import template

from loans.models.eod import bucket_label, step_label

register = template.Library()


@register.filter
def close_step(step: str) -> str:
    return step_label(step)


@register.filter
def bucket(name: str) -> str:
    return bucket_label(name)
