"""Settlements (discounted payoffs) as a modification kind, and who may approve which discount.

The shipped groups: a collector asks for a settlement and approves another collector's up to
20% of the payoff and 5,000; an approver (the supervisor) up to 50% and 100,000; a loan officer
asks. Limits are rows (`SettlementLimit`), edited in the admin."""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models


SETTLEMENT_PERMISSIONS = {
    "collector": ["request_settlement", "approve_settlement"],
    "loan officer": ["request_settlement"],
    "approver": ["approve_settlement"],
}
LIMITS = {
    "collector": (Decimal("0.20"), Decimal("5000.00")),
    "approver": (Decimal("0.50"), Decimal("100000.00")),
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    SettlementLimit = apps.get_model("loans", "SettlementLimit")
    for name, codenames in SETTLEMENT_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="loans", codename__in=codenames)
        )
        if name in LIMITS:
            share, amount = LIMITS[name]
            SettlementLimit.objects.update_or_create(
                group=group, defaults={"max_share": share, "max_amount": amount}
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in SETTLEMENT_PERMISSIONS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="loans", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("loans", "0021_modification_staff_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="loanmodification",
            name="change",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="What applying it changed (rows created, cancelled and restated, the "
                "loan's terms before, its live entry), so that a back-dated payment can unwind "
                "and re-apply it.",
            ),
        ),
        migrations.AlterModelOptions(
            name="loanmodification",
            options={
                "ordering": ["-id"],
                "permissions": [
                    ("request_modification", "Can request a loan modification"),
                    (
                        "approve_modification",
                        "Can approve or reject another user's loan modification",
                    ),
                    (
                        "request_settlement",
                        "Can request a settlement (discounted payoff) of a loan",
                    ),
                    (
                        "approve_settlement",
                        "Can approve another user's settlement within the discount limit of a group",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="loanmodification",
            name="deadline",
            field=models.DateField(
                blank=True,
                help_text="A settlement: the last value date its payments count on; the close of that day voids it when they fall short.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="loanmodification",
            name="quote",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="A settlement: the payoff quote, the discount and how it is booked (penalty, interest and fees waived first, principal forgiven last).",
            ),
        ),
        migrations.AddField(
            model_name="loanmodification",
            name="settlement_amount",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="A settlement: what the borrower agreed to pay, below the payoff quote.",
                max_digits=20,
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="loanmodification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("payment_holiday", "Payment holiday (延期还款)"),
                    ("reschedule", "Reschedule / term extension (重组)"),
                    ("rate_change", "Rate change"),
                    ("reage", "Re-aging (arrears capitalized)"),
                    ("settlement", "Settlement / discounted payoff (减免)"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="loanmodification",
            name="status",
            field=models.CharField(
                choices=[
                    ("requested", "Requested"),
                    ("approved", "Approved (a settlement awaiting its payments)"),
                    ("applied", "Applied"),
                    ("rejected", "Rejected"),
                    ("voided", "Voided"),
                ],
                default="requested",
                max_length=12,
            ),
        ),
        migrations.CreateModel(
            name="SettlementLimit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "max_share",
                    models.DecimalField(
                        decimal_places=8,
                        help_text="The discount as a fraction of the payoff quote (0.2 = 20%).",
                        max_digits=12,
                    ),
                ),
                (
                    "max_amount",
                    models.DecimalField(
                        decimal_places=2,
                        help_text="The discount in the loan's currency.",
                        max_digits=20,
                    ),
                ),
                (
                    "group",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="settlement_limit",
                        to="auth.group",
                    ),
                ),
            ],
            options={
                "ordering": ["max_amount"],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
