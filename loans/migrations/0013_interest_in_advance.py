"""The product's rule whether a payment before a due date may pay interest not yet earned
(off by default), copied to each loan at signing."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('loans', '0012_refund_requests'),
    ]

    operations = [
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
