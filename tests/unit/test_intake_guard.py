"""Personal-data guard: column names and cell values that reveal a person are caught, the
pseudonymous data the contract asks for is not."""

from __future__ import annotations

import polars as pl
import pytest

from esf_monitor.intake.guard import find_personal_values, personal_column
from schemas.codes import COLUMNS, REGISTRY_COLUMNS

PERSONAL_HEADERS = [
    "name",
    "Name",
    "NAME ",
    "vorname",
    "Vorname",
    "first_name",
    "First Name",
    "nachname",
    "Nachname",
    "familienname",
    "surname",
    "last_name",
    "Teilnehmername",
    "name_teilnehmer",
    "geburtsdatum",
    "Geburtsdatum",
    "date_of_birth",
    "dob",
    "birthdate",
    "adresse",
    "Anschrift",
    "address",
    "strasse",
    "Straße",
    "street",
    "Hausnummer",
    "telefon",
    "Telefonnummer",
    "phone",
    "phone_number",
    "Handy",
    "Handynummer",
    "mobil",
    "Mobilnummer",
    "email",
    "e-mail",
    "E-Mail-Adresse",
    "mail",
    "iban",
    "IBAN",
    "steuer-id",
    "Steuer-ID",
    "steuernummer",
    "tax_id",
    "sozialversicherungsnummer",
    "sv-nummer",
    "SV-Nr",
    "ssn",
    "social_security_number",
    "kundennummer",
    "BA-Kundennummer",
    "customer_number",
]
HARMLESS_HEADERS = [
    *(c for cols in COLUMNS.values() for c in cols),
    *REGISTRY_COLUMNS,
    "projektname",
    "Kursname",
    "district_name",
    "bemerkung",
    "kommentar",
    "status",
    "mobility",
    "female_share",
    "kurs",
    "gruppe",
    "berater_kuerzel",
]


@pytest.mark.parametrize("header", PERSONAL_HEADERS)
def test_personal_header_names_are_recognised(header):
    assert personal_column(header) is not None


@pytest.mark.parametrize("header", HARMLESS_HEADERS)
def test_contract_and_harmless_headers_pass(header):
    assert personal_column(header) is None


PERSONAL_VALUES = {
    "max.mustermann@example.de": ("email", "m***@***.de"),
    "Kontakt: a.b@web.de": ("email", "K***@***.de"),
    "+49 171 1234567": ("phone", "+49***"),
    "0049 30 12345678": ("phone", "004***"),
    "+49 (0)30 1234567": ("phone", "+49***"),
    "0171/1234567": ("phone", "017***"),
    "0171-1234567": ("phone", "017***"),
    "030 1234567": ("phone", "030***"),
    "(030) 1234567": ("phone", "(03***"),
    "Tel. 0221 9876543": ("phone", "Tel***"),
    "DE89 3704 0044 0532 0130 00": ("iban", "DE***"),
    "DE89370400440532013000": ("iban", "DE***"),
    "de89 3704 0044 0532 0130 00": ("iban", "de***"),
    "GB82 WEST 1234 5698 7654 32": ("iban", "GB***"),
}
HARMLESS_VALUES = [
    "P-ALPHA-001",
    "TN-2024-000123",
    "TN2024000123456",
    "a8f3c2e1b7d94f60",
    "xk3mn7pq2rs5",
    "p000001234",
    "0815-ab12cd34",
    "12345678",
    "1234567890",
    "2024-01-15",
    "15.01.2024",
    "01.2024",
    "2024-06",
    "Lüneburg",
    "Mayen-Koblenz",
    "Hamburg-Mitte 2",
    "Köln-Mülheim",
    "GE 04",
    "DE12ABCDEFGHIJKLMNO",
    "DE89370400440532013001",  # IBAN shape, wrong check sum
    "0123-4567",
    "ESO4.8",
    "41230",
]


def _cells(values):
    return pl.DataFrame(
        {"row": list(range(2, len(values) + 2)), "column": "x", "value": values},
        schema={"row": pl.Int32, "column": pl.String, "value": pl.String},
    )


def test_personal_values_are_found_and_masked():
    found = find_personal_values(_cells(list(PERSONAL_VALUES)))
    assert found["row"].to_list() == list(range(2, len(PERSONAL_VALUES) + 2))
    assert list(zip(found["kind"], found["value"])) == list(PERSONAL_VALUES.values())


def test_pseudonyms_dates_districts_and_numbers_are_not_personal():
    assert find_personal_values(_cells(HARMLESS_VALUES)).height == 0


def test_guard_is_vectorised_over_a_large_column():
    values = [f"TN-{i:08d}" for i in range(200_000)] + ["anna@example.org"]
    found = find_personal_values(_cells(values))
    assert found.select("row", "kind").rows() == [(200_002, "email")]


def _with_check_digits(country: str, body: str) -> str:
    """An IBAN-shaped string with a valid ISO 7064 mod-97 check sum."""
    digits = "".join(str(int(ch, 36)) for ch in body + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{body}"


def test_iban_needs_the_country_length_as_well_as_the_check_sum():
    right_length = _with_check_digits("DE", "370400440532013000")
    short_pseudonym = _with_check_digits("DE", "3704004405320130")  # valid sum, 20 chars: not an IBAN
    assert right_length == "DE89370400440532013000"
    found = find_personal_values(_cells([right_length, short_pseudonym]))
    assert found.select("row", "kind").rows() == [(2, "iban")]


# ------------------------------------------------------------------ issue #13, class 4


@pytest.mark.parametrize(
    "header, kind",
    [
        ("Kd.-Nr.", "BA customer number"),
        ("KdNr", "BA customer number"),
        ("BA-Kd-Nr", "BA customer number"),
        ("GebDat", "birth date"),
        ("Geb.Dat.", "birth date"),
        ("Geburtsort", "place of birth"),
        ("Rufnummer", "phone number"),
        ("Festnetz", "phone number"),
        ("Steuer-Nr.", "tax number"),
        ("RV-Nummer", "social security number"),
        ("Vers.-Nr.", "social security number"),
        ("Kontonummer", "bank account number"),
        ("Wohnort", "address"),
        ("Hausnr.", "address"),
        ("STRASSE", "address"),
        ("Straße ", "address"),
        ("E-Mail-Adresse", "e-mail"),
    ],
)
def test_german_abbreviations_of_personal_headers(header, kind):
    assert personal_column(header)[1] == kind


@pytest.mark.parametrize(
    "value, kind",
    [
        ("01711234567", "phone"),
        ("Rückruf 030123456789", "phone"),
        ("a.b(at)web.de", "email"),
        ("max [at] example.org", "email"),
        ("Mail: m.m (at) t-online.de", "email"),
        ("962D123456", "ba_customer"),
        ("Kd 962 D 123456", "ba_customer"),
        ("65 170839 J 003", "ssn"),
        ("65170839J003", "ssn"),
        ("86095742719", "tax_id"),
        ("21/815/08150", "tax_id"),
    ],
)
def test_values_recognised_by_pattern(value, kind):
    assert find_personal_values(_cells([value]))["kind"].to_list() == [kind]


@pytest.mark.parametrize(
    "value",
    [
        "HH-2024-0001",
        "MYK-ANDERNACH",
        "P2024000123",
        "TN-0049-12345678",
        "12345678901",
        "2024/06/30",
        "TN-962D123456-X",
        "1234567890",
    ],
)
def test_pseudonyms_that_look_alike_pass(value):
    assert find_personal_values(_cells([value])).height == 0
