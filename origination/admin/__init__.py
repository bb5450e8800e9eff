"""Origination in the back office: the manual-review queue with each decision's trail and the
approve / decline buttons, credit lines (with their limit log and drawdowns), merchants (with
settlement), policy versions (immutable once used), decisions and the block list.

Every write calls a service of ``origination.services``; a domain error comes back as a message.
"""

# Importing registers the admin classes.
from . import applications, credit_lines, merchants, policy  # noqa: F401
