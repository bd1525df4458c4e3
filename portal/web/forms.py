from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from portal.web.providers import type_label
from portal.web.state import last_month

MONTH_PATTERN = r"\d{4}-(0[1-9]|1[0-2])"


class SignInForm(AuthenticationForm):
    error_messages = {  # noqa: RUF012 (Django's declarative class attributes)
        "invalid_login": "Benutzername oder Passwort falsch. / Wrong user name or password.",
        "inactive": "Dieses Konto ist deaktiviert. / This account is deactivated.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Benutzername / user name"
        self.fields["password"].label = "Passwort / password"


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\d{6}$",
        label="Einmalcode (6 Ziffern) / one-time code (6 digits)",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"invalid": "6 Ziffern / 6 digits"},
    )


class UploadForm(forms.Form):
    """Extract type (only those the provider's kind may send), month, file. There is no provider
    field: the provider always comes from the URL, checked against the account."""

    extract_type = forms.ChoiceField(label="Datentyp / extract type")
    month = forms.RegexField(
        regex=f"^{MONTH_PATTERN}$",
        label="Berichtsmonat (JJJJ-MM) / reporting month (YYYY-MM)",
        max_length=7,
        error_messages={"invalid": "JJJJ-MM / YYYY-MM"},
    )
    file = forms.FileField(label="Datei (CSV oder XLSX) / file (CSV or XLSX)")

    def __init__(self, *args, extract_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extract_type"].choices = [(t, type_label(t)) for t in extract_types]
        self.fields["month"].initial = last_month()
        self.fields["month"].widget.attrs.update({"inputmode": "numeric", "placeholder": "JJJJ-MM"})
        self.fields["file"].widget.attrs.update({"accept": ".csv,.xlsx"})
