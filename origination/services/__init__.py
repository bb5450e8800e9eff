"""Origination and credit lines (授信 / 用信): applications, explainable and reproducible
decisions, risk-based limits and pricing, drawdowns of every product type, merchants.

Entry points (services are keyword-only, one transaction each):

* ``policies``: ``policy_validate``, ``policy_version_publish``, ``policy_version_active``.
* ``applications``: ``application_submit``, ``applications_decide`` / ``application_decide``,
  ``application_review``.
* ``decisions``: ``decision_replay`` / ``decision_reproduces``, ``decision_reasons``.
* ``credit_lines``: ``credit_line_available`` / ``credit_lines_available`` (derived from the
  ledger, written-off amounts not recovered included), ``credit_line_restore``,
  ``credit_line_change_limit``, ``credit_line_freeze`` / ``_unfreeze`` / ``_close``,
  ``lines_exposure`` (the lines' share of a borrower's exposure).
* ``line_sync``: ``credit_lines_sync`` (the end-of-day close's hook: expiry, charge-off block or
  close by the product's rule, delinquency freeze and cure), ``collateral_release_settled``.
* ``drawdowns``: ``drawdown_create`` (``DrawdownRequest``, ``Payee``, ``PledgedPolicy``).
* ``merchants``: ``merchant_register``, ``merchant_settle``, ``merchant_refund``.

Pure modules (``origination/``): ``pipeline`` (the decision), ``rules``, ``scorecard``,
``scoring`` (pluggable providers), ``pricing``, ``identity``. The regulatory limits as data are ``calc.limits``;
every loan, drawn or applied for directly, is checked against them by
``loans.services.lending_limits``.
"""
