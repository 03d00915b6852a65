"""Forms of the incoming pages: they only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qlvb.documents.models import Confidentiality, DocumentType, Urgency


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={
                    "multiple": True,
                    "accept": ".pdf,.jpg,.jpeg,.png,.tif,.tiff,.docx,.xlsx,.doc",
                }
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class RegisterForm(forms.Form):
    organ_name = forms.CharField(label=_("Sender"), max_length=200, required=False)
    type_name = forms.ChoiceField(label=_("Document type"), required=False)
    code_number = forms.CharField(label=_("Number"), max_length=11, required=False)
    code_notation = forms.CharField(label=_("Notation"), max_length=30, required=False)
    issued_date = forms.DateField(
        label=_("Issued on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    signer_full_name = forms.CharField(label=_("Signed by"), max_length=50, required=False)
    page_amount = forms.IntegerField(label=_("Pages"), required=False, min_value=1, max_value=999)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"), choices=Confidentiality.choices, initial=Confidentiality.NORMAL
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.ChoiceField(
        label=_("Received as"),
        choices=[("paper", _("Paper")), ("email", _("E-mail"))],
        initial="paper",
    )
    paper_received_at = forms.DateTimeField(
        label=_("Paper received at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    files = MultipleFileField(label=_("Scans and files"), required=False)
    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = DocumentType.objects.filter(is_active=True).values_list("name", flat=True)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.fields["type_name"].choices = [("", "—")] + [(t, t) for t in types]

    def metadata(self) -> dict:
        keys = (
            "organ_name",
            "type_name",
            "code_number",
            "code_notation",
            "issued_date",
            "subject",
            "signer_full_name",
            "page_amount",
            "urgency",
            "confidentiality",
            "due_date",
        )
        return {k: self.cleaned_data[k] for k in keys if self.cleaned_data.get(k) not in (None, "")}
