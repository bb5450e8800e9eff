"""The demo's payments through the local gateway: once the server and the gateway answer, some
open loans repay their next installment by payment order (order → gateway → signed callback →
repayment) and others get a debit mandate for the closes to come. Prints what settled."""

import time
import urllib.request
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from ledger.services import business_date_current
from loans.models import Installment, Loan
from payments.models import Mandate, PaymentOrder
from payments.services.auto_debit import owed
from payments.services.mandates import mandate_grant
from payments.services.orders import order_create, order_submit, orders_poll


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--payments", type=int, default=20)
        parser.add_argument("--mandates", type=int, default=20)
        parser.add_argument("--server", default="http://127.0.0.1:8000")
        parser.add_argument("--gateway", default="http://127.0.0.1:8002")
        parser.add_argument("--wait", type=float, default=120.0, help="seconds for both to start")

    def handle(self, *args, payments: int, mandates: int, server: str, gateway: str, wait, **kw):
        deadline = time.monotonic() + wait
        while not (answers(f"{server}/api/schema/") and answers(f"{gateway}/health")):
            if time.monotonic() > deadline:
                raise CommandError("The server or the gateway did not start.")
            time.sleep(0.5)
        today = business_date_current()
        open_loans = Loan.objects.filter(status__in=[Loan.Status.ACTIVE, Loan.Status.DELINQUENT])
        orders = []
        for loan in open_loans.order_by("id")[:payments]:
            row = (
                Installment.objects.filter(
                    loan=loan, status__in=["scheduled", "due", "partially_paid"]
                )
                .order_by("number")
                .first()
            )
            amount = owed(row) if row is not None else None
            if not amount:
                continue
            order = order_create(
                loan=loan,
                direction=PaymentOrder.Direction.COLLECT,
                purpose=PaymentOrder.Purpose.REPAYMENT,
                amount=amount,
                idempotency_key=f"demo:{loan.pk}:{row.pk}",
                business_date=today,
                actor="demo",
            )
            orders.append(order_submit(order_id=order.pk).pk)
        granted = 0
        for loan in open_loans.exclude(mandates__status=Mandate.Status.ACTIVE).order_by("-id")[
            :mandates
        ]:
            mandate_grant(
                loan=loan,
                account_reference=f"6222****{loan.pk % 10000:04d}",
                consent_text="I authorize the lender to debit my installments when due (demo).",
                channel="demo",
            )
            granted += 1
        deadline = time.monotonic() + 30
        pending = PaymentOrder.objects.filter(pk__in=orders, status__in=PaymentOrder.OPEN)
        while pending.exists() and time.monotonic() < deadline:
            time.sleep(1)
            orders_poll(older_than=timedelta(seconds=5))
        counts = {
            status: PaymentOrder.objects.filter(pk__in=orders, status=status).count()
            for status in ("succeeded", "failed", "submitted", "created")
        }
        self.stdout.write(
            f"{len(orders)} demo payments through the local gateway: "
            + ", ".join(f"{n} {status}" for status, n in counts.items() if n)
            + f"; {granted} loans now auto-debit through it at the next close."
        )
