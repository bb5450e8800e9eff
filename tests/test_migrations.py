"""Migrations run the code they were written with (issue 22).

A migration that imports project code changes meaning whenever that code is edited, so a database
migrated last month would differ from one migrated today. Migrations import Django and the
standard library only; the SQL and data they install are written out in them, and a later change
is a new migration. Other migrations are named in `dependencies`, never imported.
"""

import ast
import sys
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_ROOTS = frozenset({"django", *sys.stdlib_module_names})
# Where Django's migration writer itself refers to code by import path: field classes, and a
# field's default callable, storage, upload_to and validators. Django needs these importable for as
# long as the migration exists and compares them by identity (a copy in the migration would make
# `makemigrations` see a change forever); they install no SQL and load no data. Calling code in
# those places is not a reference and counts as an import.
REFERENCE_KEYWORDS = frozenset({"default", "storage", "upload_to", "validators"})
DYNAMIC_IMPORTS = frozenset({"import_module", "__import__", "import_string"})
# Migration machinery: how Django applies operations the migration writes out, never what they
# do (`core.migration_ops` applies a run of AlterFields in one step; its test proves the state
# and the SQL are those of the AlterFields one by one). It imports Django only, checked below.
MACHINERY = frozenset({"core.migration_ops"})


def migration_files() -> list[Path]:
    files = []
    for config in apps.get_app_configs():
        folder = Path(config.path) / "migrations"
        if Path(config.path).parent == ROOT and folder.is_dir():
            files += sorted(p for p in folder.glob("*.py") if p.name != "__init__.py")
    return files


def offences(source: str) -> list[str]:
    """Every import in a migration's source of anything but Django and the standard library,
    unless the imported name is used only in references the migration writer makes."""
    tree = ast.parse(source)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    references = _writer_references(tree)

    def is_reference(name: ast.Name) -> bool:
        chain = name
        while isinstance(parent := parents.get(id(chain)), ast.Attribute) and parent.value is chain:
            chain = parent
        return id(chain) in references

    names = [node for node in ast.walk(tree) if isinstance(node, ast.Name)]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ALLOWED_ROOTS:
                    continue
                bound = alias.asname or alias.name.split(".")[0]
                uses = [name for name in names if name.id == bound]
                if alias.asname is None and uses and all(map(is_reference, uses)):
                    continue
                found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level or module.split(".")[0] not in ALLOWED_ROOTS and module not in MACHINERY:
                found.append(f"line {node.lineno}: from {'.' * node.level}{module} import ...")
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called in DYNAMIC_IMPORTS:
                found.append(f"line {node.lineno}: {called}(...)")
    return found


def _writer_references(tree: ast.AST) -> set[int]:
    """Ids of the expressions the migration writer puts in by path: field classes (the callee of
    a `field=` value or of a `fields=[(name, field), ...]` entry) and uncalled references."""
    found: set[int] = set()
    for keyword in ast.walk(tree):
        if not isinstance(keyword, ast.keyword):
            continue
        if keyword.arg in REFERENCE_KEYWORDS:
            called = {id(n.func) for n in ast.walk(keyword.value) if isinstance(n, ast.Call)}
            found |= {
                id(n)
                for n in ast.walk(keyword.value)
                if isinstance(n, ast.Attribute | ast.Name) and id(n) not in called
            }
        elif keyword.arg == "field" and isinstance(keyword.value, ast.Call):
            found.add(id(keyword.value.func))
        elif keyword.arg == "fields" and isinstance(keyword.value, ast.List | ast.Tuple):
            found |= {
                id(entry.elts[1].func)
                for entry in keyword.value.elts
                if isinstance(entry, ast.Tuple)
                and len(entry.elts) == 2
                and isinstance(entry.elts[1], ast.Call)
            }
    return found


@pytest.mark.parametrize(
    "path", migration_files(), ids=lambda path: f"{path.parent.parent.name}/{path.stem}"
)
def test_migration_imports_no_project_code(path):
    assert offences(path.read_text()) == [], (
        f"{path.relative_to(ROOT)} imports code that can change after the migration ran; "
        "write the SQL or data into the migration instead"
    )


def test_the_migration_machinery_imports_django_and_the_standard_library_only():
    for module in MACHINERY:
        path = ROOT / (module.replace(".", "/") + ".py")
        assert offences(path.read_text()) == []


def test_every_app_of_the_project_is_checked():
    checked = {path.parent.parent.name for path in migration_files()}
    assert {"ledger", "loans", "collection", "compliance"} <= checked


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from ledger.pg_sql import INSTALL", ["line 1: from ledger.pg_sql import ..."]),
        ("from . import helpers", ["line 1: from . import ..."]),
        ("import loans.services\nloans.services.run()", ["line 1: import loans.services"]),
        ("import yaml", ["line 1: import yaml"]),
        (
            "import importlib\nimportlib.import_module('ledger.chart')",
            ["line 2: import_module(...)"],
        ),
        (
            "import loans.models.fields\n"
            "f = models.JSONField(default=loans.models.fields.default_order)\n"
            "RunPython(loans.models.fields.default_order)",
            ["line 1: import loans.models.fields"],
        ),
        ("import loans.models.fields\nmodels.JSONField(default=loans.models.fields.order)", []),
        (
            "import loans.models.fields\nmodels.JSONField(default=loans.models.fields.order())",
            ["line 1: import loans.models.fields"],
        ),
        ("import django_fsm\nCreateModel(fields=[('s', django_fsm.FSMField())])", []),
        ("from decimal import Decimal\nimport datetime\nfrom django.db import migrations", []),
        ("from core.migration_ops import fields_altered_together", []),
        ("from core.models import AuditEvent", ["line 1: from core.models import ..."]),
    ],
    ids=[
        "from-project",
        "relative",
        "project",
        "third-party",
        "dynamic",
        "field-and-code",
        "field",
        "called-default",
        "field-class",
        "ok",
        "machinery",
        "core-models",
    ],
)
def test_the_check_tells_project_code_from_django_and_the_standard_library(source, expected):
    assert offences(source) == expected


@pytest.mark.django_db
def test_every_account_code_the_code_posts_to_is_loaded_by_a_migration():
    from ledger import chart
    from ledger.models import Account

    codes = {value for name, value in vars(chart).items() if name.isupper()}
    loaded = set(Account.objects.filter(currency="CNY").values_list("code", flat=True))
    assert codes - loaded == set()
