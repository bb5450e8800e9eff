from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT, ZERO

from .entry_kinds import entry_kind_label


class Account(models.Model):
    class Type(models.TextChoices):
        ASSET = "asset", _("Asset")
        LIABILITY = "liability", _("Liability")
        EQUITY = "equity", _("Equity")
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")

    class Side(models.TextChoices):
        DEBIT = "debit", _("Debit")
        CREDIT = "credit", _("Credit")

    # Types whose lines keep a stored per-(account, loan) running total; income and expense
    # lines carry their loan too, but a loan's income is summed from its lines (migration 0004).
    STORED_BALANCE_TYPES = (Type.ASSET, Type.LIABILITY, Type.EQUITY)

    code = models.CharField(max_length=20, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    type = models.CharField(max_length=10, choices=Type.choices, verbose_name=_("type"))
    normal_side = models.CharField(
        max_length=6, choices=Side.choices, verbose_name=_("normal side")
    )
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["code", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["code", "currency"], name="account_code_currency_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_shown} ({self.currency})"

    @property
    def name_shown(self) -> str:
        """The name in the reader's language: the default chart's names (frozen in migrations,
        in English) are in the catalogue; a name a lender gave its own account reads as given."""
        return gettext(self.name)

    @property
    def keeps_loan_balances(self) -> bool:
        return self.type in self.STORED_BALANCE_TYPES

    def signed(self, debit: Decimal, credit: Decimal) -> Decimal:
        """A balance on the account's normal side: positive when it holds what it should."""
        return debit - credit if self.normal_side == self.Side.DEBIT else credit - debit


class JournalEntry(models.Model):
    """An immutable, balanced set of lines. Corrections are new entries that reverse it."""

    business_date = models.DateField(verbose_name=_("business date"))
    value_date = models.DateField(verbose_name=_("value date"))
    kind = models.CharField(max_length=32, verbose_name=_("kind"))
    memo = models.CharField(max_length=255, blank=True, verbose_name=_("memo"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    idempotency_key = models.CharField(max_length=200, verbose_name=_("idempotency key"))
    content_hash = models.CharField(max_length=64, verbose_name=_("content hash"))
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        db_index=False,  # the partial unique constraint below serves the look-ups
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.CharField(max_length=150, default="system", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["-id"]
        constraints = [
            # A constraint rather than unique=True: no second (LIKE) index on a hot insert path.
            models.UniqueConstraint(fields=["idempotency_key"], name="entry_idempotency_key_uniq"),
            # An entry is reversed at most once.
            models.UniqueConstraint(
                fields=["reverses"], condition=Q(reverses__isnull=False), name="entry_reversed_once"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {entry_kind_label(self.kind)} {self.business_date}"


class JournalLine(models.Model):
    """One debit or credit of an entry.

    On PostgreSQL the table is partitioned by month of `business_date` (migration 0006,
    `ledger.partitions`). A partitioned table's primary key must include the partition key, so
    the database's key is (id, business_date); Django keeps `id` as the model's primary key.
    Ids come from one sequence shared by every partition, so they stay unique without an index
    across partitions; nothing refers to a line by id (no foreign key points at lines), and a
    look-up by id alone probes each partition's key index, which leads with id.
    """

    # Referential integrity of entry and account is checked once per statement by the database
    # (a set-based trigger, migration 0002) instead of one foreign-key trigger per line: bulk
    # posting writes hundreds of thousands of lines at a time.
    entry = models.ForeignKey(
        JournalEntry,
        on_delete=models.PROTECT,
        related_name="lines",
        db_constraint=False,
        verbose_name=_("entry"),
    )
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="lines",
        db_constraint=False,
        db_index=False,
        verbose_name=_("account"),
    )
    loan_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("loan ID"))
    debit = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("debit"))
    credit = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("credit"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    # Copied from the entry so that balances at a date need no join; the partition key.
    business_date = models.DateField(verbose_name=_("business date"))

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["loan_id", "account"],
                name="line_loan_account_idx",
                condition=Q(loan_id__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
                name="line_debit_xor_credit_positive",
            ),
        ]

    def __str__(self) -> str:
        if self.debit:
            side = gettext("Dr %(amount)s") % {"amount": self.debit}
        else:
            side = gettext("Cr %(amount)s") % {"amount": self.credit}
        return f"{self.account.code} {side}"


class LoanAccountBalance(models.Model):
    """Running totals per (balance-sheet account, loan): cold rows, so concurrent postings rarely
    meet.

    House accounts (no loan) keep no stored balance: one hot row would serialize every posting.
    Income and expense lines carry their loan but keep no stored row either (the close would
    write twice as many): both are derived from the lines (`ledger.selectors`).
    """

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="loan_balances", verbose_name=_("account")
    )
    loan_id = models.BigIntegerField(verbose_name=_("loan ID"))
    debit_total = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("debit total"))
    credit_total = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("credit total"))

    class Meta:
        verbose_name = _("loan account balance")
        verbose_name_plural = _("loan account balances")
        constraints = [
            models.UniqueConstraint(
                fields=["loan_id", "account"], name="loan_account_balance_uniq"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(account)s, loan %(loan)s") % {
            "account": self.account.code,
            "loan": self.loan_id,
        }

    @property
    def balance(self) -> Decimal:
        return self.account.signed(self.debit_total, self.credit_total)


class JournalMonth(models.Model):
    """A month whose opening balances are kept: the totals, per account, of every line before
    its first day (`MonthOpening`). The database computes them when the month is recorded here
    and keeps them equal to the lines when a line is later posted before the month."""

    month = models.DateField(primary_key=True, verbose_name=_("month"))
    openings_captured_at = models.DateTimeField(verbose_name=_("openings captured at"))

    class Meta:
        verbose_name = _("journal month")
        verbose_name_plural = _("journal months")
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class MonthOpening(models.Model):
    """An account's debit and credit totals of every line before a month: a balance at a past
    date is its month's opening plus that month's lines up to the date (one partition)."""

    month = models.DateField(verbose_name=_("month"))
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="month_openings", verbose_name=_("account")
    )
    debit_total = models.DecimalField(**AMOUNT, default=Decimal("0"), verbose_name=_("debit total"))
    credit_total = models.DecimalField(
        **AMOUNT, default=Decimal("0"), verbose_name=_("credit total")
    )

    class Meta:
        verbose_name = _("month opening")
        verbose_name_plural = _("month openings")
        ordering = ["month", "account"]
        constraints = [
            models.UniqueConstraint(fields=["month", "account"], name="month_opening_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.account.code}"


class LoanOpening(models.Model):
    """A loan's totals per account of the lines in archived months, carried into the first month
    still in the journal: what a loan's balances read once its old lines are archived."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="loan_openings", verbose_name=_("account")
    )
    loan_id = models.BigIntegerField(verbose_name=_("loan ID"))
    debit_total = models.DecimalField(**AMOUNT, default=Decimal("0"), verbose_name=_("debit total"))
    credit_total = models.DecimalField(
        **AMOUNT, default=Decimal("0"), verbose_name=_("credit total")
    )

    class Meta:
        verbose_name = _("loan opening")
        verbose_name_plural = _("loan openings")
        constraints = [
            models.UniqueConstraint(fields=["loan_id", "account"], name="loan_opening_uniq"),
        ]

    def __str__(self) -> str:
        return gettext("%(account)s, loan %(loan)s") % {
            "account": self.account.code,
            "loan": self.loan_id,
        }


class JournalArchive(models.Model):
    """One archiving run: every line before `before` was moved out of the journal into the
    archive schema (`ledger_archive.journalline`), its totals kept as opening balances."""

    before = models.DateField(primary_key=True, verbose_name=_("archived before"))
    archived_at = models.DateTimeField(verbose_name=_("archived at"))
    lines = models.BigIntegerField(verbose_name=_("line count"))

    class Meta:
        verbose_name = _("journal archive")
        verbose_name_plural = _("journal archives")
        ordering = ["before"]

    def __str__(self) -> str:
        return gettext("archived before %(month)s") % {"month": f"{self.before:%Y-%m}"}


class BusinessDate(models.Model):
    """The lender's current business date; only the end-of-day close moves it, one day at a time."""

    lender = models.CharField(
        max_length=32, unique=True, default="default", verbose_name=_("lender")
    )
    current = models.DateField(verbose_name=_("current business date"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("business date")
        verbose_name_plural = _("business dates")

    def __str__(self) -> str:
        return f"{self.lender}: {self.current}"


class AccountingPeriod(models.Model):
    """A month of the books and its close (maker-checker): one member of finance asks, another
    approves. Once closed nothing posts into it (the database refuses an entry dated in it; the
    posting service books a back-dated one in the open period instead and says so) and its trial
    balance is frozen (`PeriodBalance`)."""

    class Status(models.TextChoices):
        CLOSE_REQUESTED = "close_requested", _("Close requested")
        CLOSED = "closed", _("Closed")

    month = models.DateField(
        primary_key=True, help_text=_("The period's first day."), verbose_name=_("month")
    )
    status = models.CharField(max_length=16, choices=Status.choices, verbose_name=_("status"))
    requested_by = models.CharField(max_length=150, verbose_name=_("requested by"))
    requested_at = models.DateTimeField(verbose_name=_("requested at"))
    closed_by = models.CharField(max_length=150, blank=True, verbose_name=_("closed by"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))

    class Meta:
        verbose_name = _("accounting period")
        verbose_name_plural = _("accounting periods")
        ordering = ["-month"]
        permissions = [("close_period", "Can ask for or approve an accounting period's close")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} ({self.get_status_display()})"


class PeriodBalance(models.Model):
    """A closed period's trial balance per account, frozen at its close: opening (the month's
    opening totals), the period's movements and the closing balance (normal side)."""

    month = models.DateField(verbose_name=_("month"))
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="period_balances", verbose_name=_("account")
    )
    opening_debit = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("opening debit"))
    opening_credit = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("opening credit"))
    period_debit = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("period debit"))
    period_credit = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("period credit"))

    class Meta:
        verbose_name = _("period balance")
        verbose_name_plural = _("period balances")
        ordering = ["month", "account"]
        constraints = [
            models.UniqueConstraint(fields=["month", "account"], name="period_balance_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.account.code}"
