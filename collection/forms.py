"""Admin forms for working a case; the services validate again (forms only shape input). Labels
and choices are the models' own, so the forms read in the officer's language."""

from django import forms
from django.utils.translation import gettext, gettext_lazy

from .models import ContactAttempt, PromiseToPay
from .rules import Purpose, Target


def _field(model, name: str):
    return model._meta.get_field(name)


def _choices(name: str):
    return _field(ContactAttempt, name).choices


def _label(model, name: str):
    return _field(model, name).verbose_name


class LogAttemptForm(forms.Form):
    channel = forms.ChoiceField(
        label=_label(ContactAttempt, "channel"), choices=_choices("channel"), initial="call"
    )
    target = forms.ChoiceField(
        label=_label(ContactAttempt, "target"), choices=_choices("target"), initial=Target.BORROWER
    )
    purpose = forms.ChoiceField(
        label=_label(ContactAttempt, "purpose"),
        choices=_choices("purpose"),
        initial=Purpose.COLLECTION,
    )
    message = forms.CharField(
        label=_label(ContactAttempt, "message"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=gettext_lazy("Written channels: the text sent (it must name the lender)."),
    )
    amount_demanded = forms.DecimalField(
        label=_label(ContactAttempt, "amount_demanded"),
        max_digits=20,
        decimal_places=2,
        required=False,
    )
    outcome = forms.ChoiceField(
        label=_label(ContactAttempt, "outcome"),
        choices=ContactAttempt.Outcome.choices,
        required=False,
        help_text=gettext_lazy(
            "If the contact already took place; otherwise record it afterwards."
        ),
    )


class _AttemptChoice(forms.ModelChoiceField):
    def label_from_instance(self, attempt: ContactAttempt) -> str:
        return gettext("%(channel)s to %(target)s at %(at)s") % {
            "channel": attempt.get_channel_display(),
            "target": attempt.get_target_display(),
            "at": f"{attempt.attempted_at:%Y-%m-%d %H:%M}",
        }


class RecordOutcomeForm(forms.Form):
    attempt = _AttemptChoice(
        label=ContactAttempt._meta.verbose_name, queryset=ContactAttempt.objects.none()
    )
    outcome = forms.ChoiceField(
        label=_label(ContactAttempt, "outcome"), choices=ContactAttempt.Outcome.choices[1:]
    )

    def __init__(self, *args, case_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attempt"].queryset = ContactAttempt.objects.filter(
            case_id=case_id, allowed=True, outcome=""
        )


class RecordPromiseForm(forms.Form):
    amount = forms.DecimalField(
        label=_label(PromiseToPay, "amount"), max_digits=20, decimal_places=2, min_value=0
    )
    promised_date = forms.DateField(
        label=_label(PromiseToPay, "promised_date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    channel = forms.ChoiceField(
        label=_label(ContactAttempt, "channel"), choices=_choices("channel"), initial="call"
    )
    note = forms.CharField(
        label=gettext_lazy("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
