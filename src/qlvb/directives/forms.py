"""Forms of the task pages: they parse; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qlvb.directives.models import Priority, Recurrence, SourceKind


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=500)
    content = forms.CharField(
        label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    agencies = forms.CharField(
        label=_("Lead agencies"),
        help_text=_("One task is created for each agency chosen."),
        widget=forms.SelectMultiple(),
    )
    due_at = forms.DateTimeField(label=_("Deadline"), widget=DateTimeInput())
    source_kind = forms.ChoiceField(
        label=_("Source"),
        choices=SourceKind.choices,
        initial=SourceKind.MEETING,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    source_text = forms.CharField(label=_("Source reference"), max_length=500, required=False)
    document = forms.IntegerField(required=False, widget=forms.HiddenInput())
    recurrence = forms.ChoiceField(
        label=_("Recurrence"),
        choices=Recurrence.choices,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    recurrence_until = forms.DateField(
        label=_("Recurring until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=Priority.choices,
        initial=Priority.NORMAL,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
