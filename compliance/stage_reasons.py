"""An IFRS 9 stage's reason in the reader's language.

The pure calculator (`calc.ecl.stage_for`) writes each reason as English text, stored with the
stage (`LoanStage.reason`, `StageChange.reason`) and kept as written. The pages read it through
here: each form the calculator writes is recognised and shown through gettext with its figures;
a text of no known form (written by an older version) is shown as stored.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, pgettext

_FIXED = {
    "non-accrual": lambda: pgettext("stage reason", "non-accrual"),
    "charge-off pending": lambda: pgettext("stage reason", "charge-off pending"),
    "restructured": lambda: pgettext("stage reason", "restructured"),
    "watch list": lambda: pgettext("stage reason", "watch list"),
    "score downgrade": lambda: pgettext("stage reason", "score downgrade"),
    "performing": lambda: pgettext("stage reason", "performing"),
}
_PAST_DUE = re.compile(r"(?P<days>\d+) days past due \(backstop (?P<backstop>\d+)\)")
_IN_CURE = re.compile(r"in cure \((?P<days>\d+) of (?P<period>\d+) days\)")
_CURED = re.compile(r"cured after (?P<days>\d+) days: (?P<reason>.+)")


def stage_reason_shown(reason: str) -> str:
    if reason in _FIXED:
        return _FIXED[reason]()
    if match := _PAST_DUE.fullmatch(reason):
        return gettext("%(days)s days past due (backstop %(backstop)s)") % match.groupdict()
    if match := _IN_CURE.fullmatch(reason):
        return gettext("in cure (%(days)s of %(period)s days)") % match.groupdict()
    if match := _CURED.fullmatch(reason):
        return gettext("cured after %(days)s days: %(reason)s") % {
            "days": match["days"],
            "reason": stage_reason_shown(match["reason"]),
        }
    return reason
