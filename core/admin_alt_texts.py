"""Django's admin writes a yes/no icon's ``alt`` as the Python value (``True``, ``False``,
``None``), without gettext, so a Chinese reader's screen reader reads English. The icon is given
words through gettext here (Django's own catalogue has "Yes", "No", "Unknown"). The search icon's
``alt`` ("Search", also a literal in Django's template) is left as Django writes it: its template
has no block to override, and we do not keep a copy of Django's template."""

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
