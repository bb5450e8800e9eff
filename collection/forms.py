"""Admin forms for working a case; the services validate again (forms only shape input)."""

from django import forms

from .models import ContactAttempt
from .rules import CHANNELS, Purpose, Target

_CHANNELS = [(channel, channel.replace("_", " ")) for channel in CHANNELS]


class LogAttemptForm(forms.Form):
    channel = forms.ChoiceField(choices=_CHANNELS, initial="call")
    target = forms.ChoiceField(
        choices=[(t.value, t.value.replace("_", " ")) for t in Target], initial=Target.BORROWER
    )
    purpose = forms.ChoiceField(
        choices=[(p.value, p.value.replace("_", " ")) for p in Purpose], initial=Purpose.COLLECTION
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Written channels: the text sent (it must name the lender).",
    )
    amount_demanded = forms.DecimalField(max_digits=20, decimal_places=2, required=False)
    outcome = forms.ChoiceField(
        choices=ContactAttempt.Outcome.choices,
        required=False,
        help_text="If the contact already took place; otherwise record it afterwards.",
    )


class RecordOutcomeForm(forms.Form):
    attempt = forms.ModelChoiceField(queryset=ContactAttempt.objects.none())
    outcome = forms.ChoiceField(choices=ContactAttempt.Outcome.choices[1:])

    def __init__(self, *args, case_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attempt"].queryset = ContactAttempt.objects.filter(
            case_id=case_id, allowed=True, outcome=""
        )


class RecordPromiseForm(forms.Form):
    amount = forms.DecimalField(max_digits=20, decimal_places=2, min_value=0)
    promised_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(choices=_CHANNELS, initial="call")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
