"""Forms of the outgoing pages: they only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qlvb.agencies.models import Agency, Department, Person, RecipientGroup, Role
from qlvb.documents.models import Confidentiality, DocumentType, Urgency
from qlvb.incoming.forms import MultipleFileField
from qlvb.outgoing.models import Medium


class DraftForm(forms.Form):
    document_type = forms.ModelChoiceField(
        label=_("Document type"), queryset=DocumentType.objects.none()
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    urgency_deadline = forms.DateTimeField(
        label=_("Flash deadline (time)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"), choices=Confidentiality.choices, initial=Confidentiality.NORMAL
    )
    due_date = forms.DateField(
        label=_("Deadline for the recipients"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    signer = forms.ModelChoiceField(label=_("Signer"), queryset=Person.objects.none())
    drafting_department = forms.ModelChoiceField(
        label=_("Drafting unit"), queryset=Department.objects.none(), required=False
    )
    agencies = forms.ModelMultipleChoiceField(
        label=_("Recipient agencies on this system"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    external_agencies = forms.CharField(
        label=_("Agencies elsewhere (through the exchange)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One per line, starting with the directory code; type a name in the search box "
            "to add one. Their copies wait for the exchange (national axis)."
        ),
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Recipient groups"),
        queryset=RecipientGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    medium = forms.ChoiceField(
        label=_("Medium"),
        choices=[
            (Medium.ELECTRONIC, _("Electronic")),
            (Medium.ELECTRONIC_PAPER, _("Electronic and paper")),
            (Medium.PAPER, _("Paper")),
        ],
        initial=Medium.ELECTRONIC,
    )
    paper_lines = forms.CharField(
        label=_("Other recipients on paper (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    files = MultipleFileField(label=_("Main file (first) and appendices"), required=False)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        agency_id = person.agency_id
        self.fields["document_type"].queryset = DocumentType.objects.filter(is_active=True)
        self.fields["signer"].queryset = (
            Person.objects.filter(
                agency_id=agency_id,
                is_active=True,
                roles__role=Role.LEADER,
                roles__agency_id=agency_id,
            )
            .select_related("position")
            .distinct()
        )
        self.fields["signer"].label_from_instance = lambda p: (
            f"{p.full_name} – {p.position.name}" if p.position_id else p.full_name
        )
        self.fields["drafting_department"].queryset = Department.objects.filter(
            agency_id=agency_id, is_active=True
        )
        self.fields["agencies"].queryset = Agency.objects.filter(
            on_installation=True, is_active=True
        ).exclude(pk=agency_id)
        self.fields["groups"].queryset = RecipientGroup.objects.filter(
            owner_id__in=[agency_id]
        ) | RecipientGroup.objects.filter(owner__isnull=True)
        for name, field in self.fields.items():
            if name == "groups":
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_external_agencies(self) -> list[Agency]:
        """Lines `000.00.31.H15 – Sở Tài chính tỉnh ...`: the code decides; agencies of this
        installation are chosen in the list above, not here."""
        found, unknown = [], []
        for line in (self.cleaned_data.get("external_agencies") or "").splitlines():
            code = line.strip().split(" ", 1)[0].strip() if line.strip() else ""
            if not code:
                continue
            agency = Agency.objects.filter(code__iexact=code, on_installation=False).first()
            if agency is None:
                unknown.append(code)
            elif agency not in found:
                found.append(agency)
        if unknown:
            raise forms.ValidationError(
                _("Not an agency elsewhere in the directory: %(codes)s"),
                params={"codes": ", ".join(unknown)},
            )
        return found

    def metadata(self) -> dict:
        data = self.cleaned_data
        out = {
            "document_type": data["document_type"],
            "type_name": data["document_type"].name,
            "subject": data["subject"],
            "urgency": data["urgency"],
            "confidentiality": data["confidentiality"],
        }
        for key in ("urgency_deadline", "due_date"):
            if data.get(key):
                out[key] = data[key]
        return out

    def recipients(self) -> list[dict]:
        data = self.cleaned_data
        medium = data["medium"]
        items = [{"agency": a.pk, "medium": medium} for a in data.get("agencies") or []]
        items += [{"agency": a.pk, "medium": medium} for a in data.get("external_agencies") or []]
        items += [{"group": g.pk, "medium": medium} for g in data.get("groups") or []]
        for line in (data.get("paper_lines") or "").splitlines():
            if line.strip():
                items.append({"name": line.strip(), "medium": Medium.PAPER})
        return items
