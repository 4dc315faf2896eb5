from django import forms
from django.utils.translation import gettext_lazy

from .choices import Verdict


class MatchDecisionForm(forms.Form):
    """An editor's answer on one pair, named by its incidents' codes, against the standing decision the page showed
    (`replaces`, blank when it showed none): the service refuses the answer if that decision changed since. The
    verdict comes from the button pressed (or its keyboard shortcut); `next_pair` is the card to go on to."""

    incident = forms.CharField(max_length=20)
    other = forms.CharField(max_length=20)
    verdict = forms.ChoiceField(
        choices=Verdict.choices,
        error_messages={
            "required": gettext_lazy("Choose same event, different events or unsure."),
            "invalid_choice": gettext_lazy(
                "%(value)s is not an answer: choose same event, different events or unsure."
            ),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    replaces = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value"),
            gettext_lazy("The page lost the decision it showed: reload it and answer again."),
        ),
    )
    next_pair = forms.SlugField(required=False, max_length=60)
