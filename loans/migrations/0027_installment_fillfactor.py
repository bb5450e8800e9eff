"""Room on the installment table's pages for its rows' new versions, so that a rate reset's
rewrites (and the close's daily updates of a row's accrued figures) are HOT updates.

A reset rewrites the rest of a floating-rate loan's schedule in place (9 of a 12-month loan's 12
rows on its first reset). On a page packed full each new version goes to another page and takes
a new entry in both of the table's indexes; with room on its own page it is a heap-only tuple
(HOT): no index entry, about a third of the WAL, and the old version is pruned on the page. A
page filled to 57% keeps room for new versions of 3/4 of its rows, so every rewrite of the
benchmark's book (`benchmarks/rate_resets.py`: 9 of 12 rows) is HOT (at 70%, 55% were).

The cost is space: new pages hold 57% of the rows they held, so the table takes about 1.75 times
the pages. The close reads a chunk's rows by loan from `installment_number_uniq`, a few pages
per loan either way. The setting applies to pages written from now on; an existing table takes it
for its old pages when it is rewritten (`VACUUM FULL loans_installment`, at a quiet time).
"""

from django.db import migrations

FILLFACTOR = 57


def _fillfactor(value: int | None):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        setting = f"SET (fillfactor = {value})" if value else "RESET (fillfactor)"
        schema_editor.execute(f"ALTER TABLE loans_installment {setting}")

    return alter


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0026_verbose_names_translated"),
    ]

    operations = [
        migrations.RunPython(_fillfactor(FILLFACTOR), _fillfactor(None)),
    ]
