"""Django's user and group pages and django-celery-beat's schedule pages in the reader's
language. Django stores a permission's name in English when it creates it ("Can add loan") and
shows it as stored; here it is named from its model's translated name, and a custom permission's
name through the catalogue. django-celery-beat describes a cron schedule in the server's locale;
here it is described in the reader's."""

from __future__ import annotations

from cron_descriptor import (
    ExpressionDescriptor,
    FormatException,
    MissingFieldException,
    Options,
    WrongArgumentException,
)
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import CrontabScheduleAdmin, PeriodicTaskAdmin
from django_celery_beat.models import CrontabSchedule, PeriodicTask

DEFAULT_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}
# cron_descriptor's locales, by the language codes the project serves
CRON_LOCALES = {"zh-hans": "zh_CN", "en": "en_US"}


def permission_label(permission: Permission) -> str:
    """The app, the model and what the permission allows, in the reader's language."""
    model = permission.content_type.model_class()
    if model is None:
        return str(permission)
    action, _sep, model_name = permission.codename.partition("_")
    if action in DEFAULT_ACTIONS and model_name == model._meta.model_name:
        allows = DEFAULT_ACTIONS[action] % {"model": model._meta.verbose_name}
    else:
        allows = gettext(permission.name)
    return f"{model._meta.app_config.verbose_name} | {model._meta.verbose_name} | {allows}"


class _PermissionsNamed:
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model is Permission:
            field.label_from_instance = permission_label
        return field


class StaffUserAdmin(_PermissionsNamed, UserAdmin):
    pass


class StaffGroupAdmin(_PermissionsNamed, GroupAdmin):
    pass


def cron_description(crontab: CrontabSchedule) -> str:
    """The schedule in words, in the reader's language, with its time zone."""
    expression = " ".join(
        (
            crontab.minute,
            crontab.hour,
            crontab.day_of_month,
            crontab.month_of_year,
            crontab.day_of_week,
        )
    )
    options = Options()
    options.locale_code = CRON_LOCALES.get(get_language() or "en", "en_US")
    options.use_24hour_time_format = True
    try:
        words = ExpressionDescriptor(expression, options).get_description()
    except (MissingFieldException, FormatException, WrongArgumentException):
        words = expression
    return f"{words} {crontab.timezone}"


class ScheduleInWordsTaskAdmin(PeriodicTaskAdmin):
    @admin.display(description=_("Scheduler"))
    def scheduler(self, task: PeriodicTask):
        return task.scheduler

    @admin.display(description=_("Crontab translation"))
    def crontab_translation(self, task: PeriodicTask) -> str:
        return cron_description(task.crontab) if task.crontab_id else ""


class ScheduleInWordsCrontabAdmin(CrontabScheduleAdmin):
    list_display = ("__str__", "in_words")
    fields = ("in_words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week")
    fields += ("timezone",)
    readonly_fields = ("in_words",)

    @admin.display(description=_("Human readable"))
    def in_words(self, crontab: CrontabSchedule) -> str:
        return cron_description(crontab)


def install() -> None:
    # django-celery-beat names this field with a plain string, out of reach of any catalogue
    # (the label heads its inlines and its search box); the migration state is unchanged
    PeriodicTask._meta.get_field("task").verbose_name = _("Task Name")
    for model, model_admin in (
        (User, StaffUserAdmin),
        (Group, StaffGroupAdmin),
        (PeriodicTask, ScheduleInWordsTaskAdmin),
        (CrontabSchedule, ScheduleInWordsCrontabAdmin),
    ):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
