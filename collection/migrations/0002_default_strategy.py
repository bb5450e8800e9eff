"""The default collection strategy, shipped as data (edit it in the admin)."""

import datetime

from django.db import migrations

DEFAULT_STRATEGY = "default"

STEPS = [
    {
        "name": "pre_due_reminder",
        "action": "reminder",
        "channel": "sms",
        "dpd_from": -3,
        "dpd_to": -1,
        "template": "【{lender}】温馨提示：您的借款{reference}下期应还款日为{due_date}，请按时还款。"
        "Reminder from {lender}: the next installment of {reference} is due on {due_date}.",
    },
    {
        "name": "day1_message",
        "action": "message",
        "channel": "sms",
        "dpd_from": 1,
        "dpd_to": 2,
        "template": "【{lender}】您的借款{reference}已逾期{days_past_due}天，应还{amount}{currency}，"
        "请尽快还款，如有困难请联系我们协商。{lender}: {reference} is {days_past_due} days "
        "past due; {amount} {currency} is due. Please pay, or contact us to agree a plan.",
    },
    {
        "name": "call_task",
        "action": "call",
        "channel": "call",
        "dpd_from": 3,
        "dpd_to": None,
        "repeat_every_days": 1,
        "template": "",
    },
    {
        "name": "formal_letter",
        "action": "letter",
        "channel": "letter",
        "dpd_from": 30,
        "dpd_to": None,
        "template": "{lender}\n\n{name}：\n您的借款{reference}已逾期{days_past_due}天，截至本函日期应还"
        "{amount}{currency}。请于收到本函后尽快还款；如对金额有异议，请书面联系我们。\n\n"
        "{name}: loan {reference} is {days_past_due} days past due; {amount} {currency} is due "
        "as of this letter. Please pay promptly; if you dispute the amount, write to us.\n{lender}",
    },
    {
        "name": "agency_referral",
        "action": "agency_referral",
        "channel": "",
        "dpd_from": 60,
        "dpd_to": None,
        "template": "",
    },
    {
        "name": "legal_review",
        "action": "legal_review",
        "channel": "",
        "dpd_from": 90,
        "dpd_to": None,
        "template": "",
    },
]


def create(apps, schema_editor):
    Strategy = apps.get_model("collection", "Strategy")
    StrategyStep = apps.get_model("collection", "StrategyStep")
    strategy, _ = Strategy.objects.get_or_create(
        name=DEFAULT_STRATEGY,
        defaults={
            "jurisdiction": "",
            "is_default": True,
            "contact_time": datetime.time(9, 0),
            "description": "Reminder before the due date, SMS on day 1, call tasks from day 3, "
            "formal letter at 30, agency referral at 60, legal review at 90 days past due.",
        },
    )
    for order, step in enumerate(STEPS):
        StrategyStep.objects.get_or_create(
            strategy=strategy, name=step["name"], defaults={**step, "order": order}
        )


def remove(apps, schema_editor):
    Strategy = apps.get_model("collection", "Strategy")
    StrategyStep = apps.get_model("collection", "StrategyStep")
    StrategyStep.objects.filter(strategy__name=DEFAULT_STRATEGY).delete()
    Strategy.objects.filter(name=DEFAULT_STRATEGY).delete()


class Migration(migrations.Migration):
    dependencies = [("collection", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
