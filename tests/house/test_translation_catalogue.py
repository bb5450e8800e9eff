"""The zh-hans catalogue (``locale/``) of the project's own apps: nothing fuzzy or untranslated,
the same placeholders on both sides, the compiled ``.mo`` (committed; Django reads only it)
current with the ``.po``, and every string of the translated pages in it."""

import re
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, label_for_field
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, override

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# The pages that must have no English left in Chinese (issue 21): the loan 360 page, the
# sections other apps add to it, and the borrower app.
TRANSLATED_PAGES = [
    "loans/templates/admin/loans/loan/change_form.html",
    "loans/templates/admin/loans/closerun/change_form.html",
    "loans/templates/admin/loans/borrower/change_form.html",
    *sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "borrower_app" / "templates").rglob("*.html")
    ),
    "collection/loan360.py",
    "collection/workspace.py",
    "compliance/templates/admin/compliance/reportrun/change_form.html",
    "collection/templates/admin/collection/workspace.html",
    "collection/templates/admin/collection/collectorqueuecase/change_list.html",
    "compliance/loan360.py",
    "funding/loan360.py",
    "origination/borrower360.py",
]
# Where the admin's own labels and the names of stored codes are marked: every app's admin, and
# the modules naming journal entry kinds, signed terms and the dashboard's totals.
ADMIN_MODULES = sorted(
    str(path.relative_to(ROOT))
    for app in ROOT.glob("*/apps.py")
    for path in [
        app.parent / "admin.py",
        *app.parent.glob("admin/*.py"),
        *app.parent.glob("*/admin.py"),
    ]
    if path.exists()
) + [
    "ledger/entry_kinds.py",
    "loans/labels.py",
    "loans/services/terms_labels.py",
    "loans/selectors/dashboard.py",
    "collection/templates/admin/collection/collectioncase/change_form.html",
    "funding/templates/admin/funding/funder/change_list.html",
]
MARKED = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(?:"([^"]+)"|'([^']+)')"""
    r"""|\b(?:_|gettext|gettext_lazy)\(\s*"([^"]+)"\s*\)"""
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def test_nothing_is_fuzzy_untranslated_or_obsolete(catalogue):
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.obsolete_entries()] == []


def test_every_translation_keeps_the_placeholders(catalogue):
    wrong = [
        entry.msgid
        for entry in catalogue
        if sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr))
    ]
    assert wrong == []


def test_the_compiled_catalogue_is_current(catalogue):
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr for entry in polib.mofile(str(MO)) if entry.msgid
    }
    source = {
        (entry.msgctxt, entry.msgid): entry.msgstr for entry in catalogue.translated_entries()
    }
    assert compiled == source, "run: msgfmt -o locale/zh_Hans/LC_MESSAGES/django.mo <the .po>"


def marked_strings(path: Path) -> set[str]:
    return {
        next(group for group in match.groups() if group)
        for match in MARKED.finditer(path.read_text(encoding="utf-8"))
    }


@pytest.mark.parametrize("page", TRANSLATED_PAGES)
def test_every_string_of_the_translated_pages_is_in_the_catalogue(catalogue, page):
    strings = marked_strings(ROOT / page)
    assert strings, f"{page} marks nothing for translation"
    translated = {entry.msgid for entry in catalogue.translated_entries()}
    assert sorted(strings - translated) == []


@pytest.mark.parametrize("module", ADMIN_MODULES)
def test_every_string_the_admin_marks_is_in_the_catalogue(catalogue, module):
    translated = {entry.msgid for entry in catalogue.translated_entries()}
    assert sorted(marked_strings(ROOT / module) - translated) == []


def project_app_configs() -> list:
    return [config for config in apps.get_app_configs() if Path(config.path).parent == ROOT]


def project_names() -> dict[str, Promise | str]:
    """Every name the admin shows of the project's own apps, by where it is: each app's name,
    each model's names (singular, plural), each field's label and help text (the id Django
    adds is the one left out: "ID" reads the same in Chinese)."""
    names = {}
    for config in project_app_configs():
        names[f"{config.label} (app)"] = config.verbose_name
        for model in config.get_models():
            label = model._meta.label
            names[f"{label} (verbose_name)"] = model._meta.verbose_name
            names[f"{label} (verbose_name_plural)"] = model._meta.verbose_name_plural
            for field in model._meta.get_fields():
                if field.auto_created or not hasattr(field, "verbose_name"):
                    continue
                names[f"{label}.{field.name}"] = field.verbose_name
                if field.help_text:
                    names[f"{label}.{field.name} (help_text)"] = field.help_text
    return names


def in_chinese(names: dict[str, Promise | str]) -> list[str]:
    """The ones that do not read in Chinese: not marked (a plain string, or a label Django
    derived from the field's name) or marked without a zh-hans translation."""
    wrong = []
    for where, name in names.items():
        with override("en"):
            english = str(name)
        with override("zh-hans"):
            chinese = str(name)
        if not isinstance(name, Promise) or chinese == english:
            wrong.append(f"{where}: {english!r} reads {chinese!r}")
    return wrong


def test_every_app_model_and_field_name_of_the_project_apps_reads_in_chinese():
    names = project_names()
    assert len(names) > 1000  # 9 apps, 77 models, their 800-odd fields and 120-odd help texts
    assert in_chinese(names) == []


def test_a_name_left_unmarked_or_untranslated_is_caught():
    # the check itself: a plain string, and a marked string the catalogue lacks, both fail it
    names = {
        "plain": "loan",
        "lazy": gettext_lazy("a name nobody translated"),
        "ok": gettext_lazy("loan"),
    }
    assert [line.split(":")[0] for line in in_chinese(names)] == ["plain", "lazy"]


def project_admin_labels() -> dict[str, Promise | str]:
    """Every label the admin of the project's models shows that is not a model or field name:
    computed columns and read-only fields, filters, actions, fieldsets and inline headers."""
    request = RequestFactory().get("/admin/")
    request.user = User(is_staff=True, is_superuser=True)
    labels: dict[str, Promise | str] = {}
    project = {config.label for config in project_app_configs()}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in project:
            continue
        where = type(model_admin).__qualname__
        shown = [*model_admin.get_list_display(request), *model_admin.get_readonly_fields(request)]
        for name in shown:
            if isinstance(name, str) and name != "__str__":
                labels[f"{where} column {name}"] = label_for_field(name, model, model_admin)
        for spec in model_admin.list_filter:
            if isinstance(spec, (str, tuple, list)):
                path = spec if isinstance(spec, str) else spec[0]
                labels[f"{where} filter {path}"] = get_fields_from_path(model, path)[
                    -1
                ].verbose_name
            else:
                labels[f"{where} filter {spec.__name__}"] = spec.title
        for _function, name, description in model_admin._get_base_actions():
            labels[f"{where} action {name}"] = description
        for title, _options in model_admin.get_fieldsets(request):
            if title:
                labels[f"{where} fieldset {title}"] = title
        for inline in model_admin.get_inline_instances(request):
            labels[f"{where} inline {type(inline).__name__}"] = inline.verbose_name_plural
            for name in inline.get_readonly_fields(request):
                labels[f"{where} inline column {name}"] = label_for_field(
                    name, inline.model, inline
                )
    return labels


def test_every_admin_label_of_the_project_apps_reads_in_chinese():
    labels = project_admin_labels()
    assert len(labels) > 500  # columns, filters, actions … of some 70 model admins
    # Django's own (the delete action) are lazy and translated by Django; the id column reads
    # "ID" in Chinese too
    wrong = [line for line in in_chinese(labels) if not line.endswith("'ID' reads 'ID'")]
    assert wrong == []


def project_choice_labels() -> dict[str, Promise | str]:
    """Every choice label of every model field of the project's own apps, by where it is."""
    labels = {}
    for config in apps.get_app_configs():
        if Path(config.path).parent != ROOT:
            continue
        for model in config.get_models():
            for field in model._meta.get_fields():
                for value, label in getattr(field, "flatchoices", None) or ():
                    labels[f"{model._meta.label}.{field.name}={value!r}"] = label
    return labels


def test_every_choice_label_of_the_project_apps_reads_in_chinese(catalogue):
    labels = project_choice_labels()
    assert len(labels) > 200  # statuses, kinds, channels, outcomes … of all the apps
    translations = {entry.msgid: entry.msgstr for entry in catalogue.translated_entries()}
    wrong = []
    for where, label in labels.items():
        with override("en"):
            english = str(label)
        with override("zh-hans"):
            chinese = str(label)
        # Marked (lazy) and in the catalogue: shown in Chinese wherever Django renders it.
        if english not in translations or chinese != translations[english]:
            wrong.append(f"{where}: {english!r} reads {chinese!r}")
    assert wrong == []
