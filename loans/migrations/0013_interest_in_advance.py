"""The product's rule whether a payment before a due date may pay interest not yet earned
(off by default), copied to each loan at signing."""

from django.db import migrations, models


def constraints_checked_now(apps, schema_editor):
    # PostgreSQL refuses ALTER TABLE on a table with deferred constraint checks pending in the
    # same transaction (rows written earlier in it, as in a migration test): run them first.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('loans', '0012_refund_requests'),
    ]

    operations = [
        migrations.RunPython(constraints_checked_now, migrations.RunPython.noop),
        migrations.AddField(
            model_name='loan',
            name='interest_in_advance',
            field=models.BooleanField(default=False, help_text="The product's rule at signing (see Product)."),
        ),
        migrations.AddField(
            model_name='product',
            name='interest_in_advance',
            field=models.BooleanField(default=False, help_text="A payment before an installment's due date may pay its whole period's interest. Off (the default): interest paid never exceeds the interest earned to the payment's value date; the rest goes to principal."),
        ),
    ]
