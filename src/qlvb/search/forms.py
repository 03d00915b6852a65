"""The search form: what the page and the export read from the query string."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qlvb.documents.models import Urgency
from qlvb.incoming.models import IncomingState
from qlvb.outgoing.models import OutgoingState
from qlvb.search.exports import COLUMNS
from qlvb.search.models import Direction
from qlvb.search.query import MAX_QUERY_CHARS
from qlvb.search.selectors import SearchFilters

STATE_CHOICES = (
    [("", "—")]
    + [(value, f"{label} (đến)") for value, label in IncomingState.choices]
    + [
        (value, f"{label} (đi)")
        for value, label in OutgoingState.choices
        if value not in dict(IncomingState.choices)
    ]
)


def _select():
    return forms.Select(attrs={"class": "form-select form-select-sm"})


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Keywords"), required=False, max_length=MAX_QUERY_CHARS + 100)
    direction = forms.ChoiceField(
        label=_("Incoming or outgoing"),
        required=False,
        widget=_select(),
        choices=[
            ("", _("All")),
            (Direction.INCOMING, _("Incoming")),
            (Direction.OUTGOING, _("Outgoing")),
        ],
    )
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    organ = forms.CharField(label=_("Issuing body"), required=False, max_length=200)
    type_name = forms.CharField(label=_("Type"), required=False, max_length=100)
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", "—"), *Urgency.choices], widget=_select()
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=STATE_CHOICES, widget=_select()
    )
    signer = forms.CharField(label=_("Signer"), required=False, max_length=100)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        widget=_select(),
        choices=[
            ("relevance", _("Relevance")),
            ("date_desc", _("Newest")),
            ("date_asc", _("Oldest")),
        ],
    )
    cols = forms.MultipleChoiceField(
        label=_("Columns"),
        required=False,
        choices=[(c.key, c.title) for c in COLUMNS],
        widget=forms.CheckboxSelectMultiple,
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=1000)

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(
            direction=data.get("direction") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            organ=(data.get("organ") or "").strip(),
            type_name=(data.get("type_name") or "").strip(),
            urgency=data.get("urgency") or "",
            state=data.get("state") or "",
            signer=(data.get("signer") or "").strip(),
        )
