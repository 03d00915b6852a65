"""Page forms of the directory. They only shape input: every check that matters (code format,
duplicate code, cycle, role in another agency) is the services' and comes back as
ValidationFailed, shown next to the field by `add_domain_errors`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qlvb.agencies.models import AgencyLevel, Role
from qlvb.core.errors import ValidationFailed


def add_domain_errors(form: forms.Form, exc: ValidationFailed, field_map: dict | None = None):
    """Put a service's field errors next to the form's fields (the rest above the form)."""
    field_map = field_map or {}
    errors = exc.errors if isinstance(exc.errors, dict) else {}
    placed = False
    for field, messages in errors.items():
        name = field_map.get(field, field)
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def mark_invalid(form: forms.Form) -> forms.Form:
    """Bootstrap's red outline on the fields that carry an error."""
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
            widget.attrs["aria-invalid"] = "true"
    return form


class AgencyForm(forms.Form):
    code = forms.CharField(
        label=_("Identifier code"),
        max_length=40,
        help_text=_("13 characters, e.g. 000.00.00.H15"),
        widget=forms.TextInput(attrs={"placeholder": "000.00.00.H15", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Agency name"), max_length=250)
    short_name = forms.CharField(
        label=_("Short name"),
        max_length=30,
        required=False,
        help_text=_("Used in document notations, e.g. VPUBND"),
    )
    level = forms.ChoiceField(label=_("Level"), choices=AgencyLevel.choices)
    parent_code = forms.CharField(label=_("Parent agency code"), max_length=40, required=False)
    organization_in_charge = forms.CharField(
        label=_("Organization in charge"), max_length=250, required=False
    )
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    telephone = forms.CharField(label=_("Telephone"), max_length=50, required=False)
    fax = forms.CharField(label=_("Fax"), max_length=50, required=False)
    website = forms.CharField(label=_("Website"), max_length=250, required=False)
    on_installation = forms.BooleanField(label=_("Uses this installation"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    CONTACT_FIELDS = ("organization_in_charge", "address", "email", "telephone", "fax", "website")

    def __init__(self, *args, contact_only: bool = False, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if contact_only:
            for name in list(self.fields):
                if name not in self.CONTACT_FIELDS:
                    del self.fields[name]
        if creating:
            self.fields.pop("is_active", None)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-control"
            if isinstance(field, forms.ChoiceField):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if "parent_code" in data:
            data["parent"] = data.pop("parent_code") or None
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    agency_code = forms.CharField(
        label=_("Agency code"),
        max_length=40,
        required=False,
        help_text=_("Leave empty for the person's own agency"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].widget.attrs["class"] = "form-select"
        self.fields["agency_code"].widget.attrs.update(
            {"class": "form-control", "placeholder": "000.00.00.H15"}
        )
