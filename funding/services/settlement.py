"""A partner's settlement of one business date: its statement (`settlement_statement`), the
platform's service fee booked (the partner's expense, the platform's income), and the net amount
moved between the platform's collection account and the partner's bank, which clears the
payable to partners (2203) in the platform's books and the partner's claim on the platform
(1221) in its own, on the settlement days of its calendar (the days between accumulate and are
paid on the next one). Once per (funder, date): a repeat returns the first run."""

from __future__ import annotations

from datetime import date

from django.db.models import Sum

from core.audit import audit_record
from core.db import action_transaction
from core.money import ZERO
from ledger.services import EntrySpec, LineSpec, entry_post

from .. import accounts
from ..errors import FundingError
from ..events import funder_settled
from ..models import EntryFunder, Funder, SettlementRun
from ..selectors.statements import settlement_statement
from .calendar import funder_calendar, is_settlement_day


def _post(*, key: str, kind: str, on: date, lines, funder: Funder, memo: str, actor: str) -> int:
    result = entry_post(
        spec=EntrySpec(
            kind=kind, business_date=on, lines=tuple(lines), idempotency_key=key, memo=memo
        ),
        actor=actor,
    )
    EntryFunder.objects.get_or_create(entry_id=result.entry_id, defaults={"funder": funder})
    return result.entry_id


def funder_settle(*, funder: Funder, on: date, actor: str, durable: bool = True) -> SettlementRun:
    if funder.is_platform:
        raise FundingError("The platform is not settled with itself.")
    with action_transaction(durable=durable):
        done = SettlementRun.objects.filter(funder=funder, business_date=on).first()
        if done is not None:
            return done
        statement = settlement_statement(funder=funder, on=on)
        platform = Funder.objects.get(kind=Funder.Kind.PLATFORM)
        entries = []
        fee = statement.service_fee
        if fee:
            memo = f"service fee {funder.code} {on}"
            entries.append(
                _post(
                    key=f"funding:fee:{funder.code}:{on}:partner",
                    kind="funder_service_fee",
                    on=on,
                    lines=[
                        LineSpec(account=accounts.SERVICE_FEE_EXPENSE, debit=fee),
                        LineSpec(account=accounts.CASH, credit=fee),
                    ],
                    funder=funder,
                    memo=memo,
                    actor=actor,
                )
            )
            entries.append(
                _post(
                    key=f"funding:fee:{funder.code}:{on}:platform",
                    kind="funder_service_fee",
                    on=on,
                    lines=[
                        LineSpec(account=accounts.CASH, debit=fee),
                        LineSpec(account=accounts.SERVICE_FEE_INCOME, credit=fee),
                    ],
                    funder=platform,
                    memo=memo,
                    actor=actor,
                )
            )
        net = statement.net_amount
        transferred = ZERO
        settlement_day = is_settlement_day(funder_calendar(funder.pk), on)
        if settlement_day:
            earlier = SettlementRun.objects.filter(funder=funder, business_date__lt=on)
            last = (
                earlier.filter(settlement_day=True)
                .order_by("-business_date")
                .values_list("business_date", flat=True)
                .first()
            )
            if last is not None:
                earlier = earlier.filter(business_date__gt=last)
            transferred = net + (earlier.aggregate(total=Sum("net_amount"))["total"] or ZERO)
        if transferred:
            net_transfer = transferred
            bank, cash = (accounts.FUNDERS_BANKS, accounts.CASH)
            lines = (
                [
                    LineSpec(account=bank, debit=net_transfer),
                    LineSpec(account=cash, credit=net_transfer),
                ]
                if net_transfer > 0
                else [
                    LineSpec(account=cash, debit=-net_transfer),
                    LineSpec(account=bank, credit=-net_transfer),
                ]
            )
            entries.append(
                _post(
                    key=f"funding:settle:{funder.code}:{on}",
                    kind="funder_settlement",
                    on=on,
                    lines=lines,
                    funder=funder,
                    memo=f"settlement {funder.code} {on}",
                    actor=actor,
                )
            )
        run = SettlementRun.objects.create(
            funder=funder,
            business_date=on,
            principal=statement.principal,
            interest=statement.interest,
            fee=statement.fee,
            penalty=statement.penalty,
            recoveries=statement.recoveries,
            other=statement.other,
            service_fee=fee,
            net_amount=net,
            transferred=transferred,
            settlement_day=settlement_day,
            entry_ids=entries,
            created_by=actor,
        )
        funder_settled(run)
        audit_record(
            actor=actor,
            action="funding.settled",
            target=run,
            after=statement.as_dict(),
            source="funding",
            business_date=on,
        )
        return run
