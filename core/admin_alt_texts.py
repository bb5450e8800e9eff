"""Django's admin writes two screen-reader texts without gettext: a yes/no icon's ``alt`` is the
Python value (``True``, ``False``, ``None``) and the search icon's is ``Search``. A Chinese reader's
screen reader then reads English. The icon is given words through gettext here (Django's own
catalogue has "Yes", "No", "Unknown"); the search form's template is overridden in
``templates/admin/search_form.html``."""

from __future__ import annotations

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext

_ICONS = {True: "yes", False: "no", None: "unknown"}


def boolean_icon(value) -> str:
    words = {True: gettext("Yes"), False: gettext("No"), None: gettext("Unknown")}[value]
    return format_html(
        '<img src="{}" alt="{}">', static(f"admin/img/icon-{_ICONS[value]}.svg"), words
    )


def install() -> None:
    """Every caller (the list's cells, read-only fields, display_for_field) looks the icon up on
    ``admin_list`` when it renders, so replacing it there covers them all."""
    admin_list._boolean_icon = boolean_icon
