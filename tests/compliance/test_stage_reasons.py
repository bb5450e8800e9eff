"""Every reason the staging calculator writes reads in the reader's language on the admin pages,
and in English exactly as stored."""

import re

import pytest
from django.utils import translation

from calc.ecl import StageInputs, stage_for
from compliance.stage_reasons import stage_reason_shown

FLAGS = ("non_accrual", "charge_off_pending", "restructured", "watch_list", "score_downgraded")


def written_reasons() -> list[str]:
    """What `stage_for` writes, every branch: each trigger alone, both backstops, in cure and
    cured (of a trigger and of a backstop)."""
    cases = [StageInputs(days_past_due=0), StageInputs(days_past_due=95)]
    cases += [StageInputs(days_past_due=31)]
    cases += [StageInputs(days_past_due=0, **{flag: True}) for flag in FLAGS]
    reasons = [stage_for(inputs)[1] for inputs in cases]
    reasons.append(stage_for(StageInputs(days_past_due=0), previous=2, cured_days=12)[1])
    reasons.append(stage_for(StageInputs(days_past_due=0), previous=2, cured_days=90)[1])
    reasons.append(stage_for(StageInputs(days_past_due=40), previous=3, cured_days=95)[1])
    return reasons


@pytest.mark.parametrize("reason", written_reasons())
def test_each_written_reason_reads_in_chinese_and_unchanged_in_english(reason):
    with translation.override("en"):
        assert stage_reason_shown(reason) == reason
    with translation.override("zh-hans"):
        shown = stage_reason_shown(reason)
    assert not re.search(r"[A-Za-z]", shown), shown
    assert re.findall(r"\d+", shown) == re.findall(r"\d+", reason)


def test_a_reason_of_no_known_form_is_shown_as_stored():
    with translation.override("zh-hans"):
        assert stage_reason_shown("manual override by risk") == "manual override by risk"
