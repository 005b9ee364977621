"""Free text is screened before it is stored: identifiers of a person are refused.

The patterns are deliberately broad. A refused note costs the user a rewording;
an identifier that slips through costs a person's safety.
"""

import re

from flask_babel import lazy_gettext as _l

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|"
    r"сентябр[яь]|октябр[яь]|ноябр[яь]|декабр[яь]"
)

# Checked in this order; each match is blanked out before the next pattern looks, so that
# a date is reported as a date and not also as a phone number.
PATTERNS = {
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE),
    "date": re.compile(
        r"\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b"
        r"|\b\d{4}[./-]\d{1,2}[./-]\d{1,2}\b"
        rf"|\b\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{2,4}}\b"
        rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}\b",
        re.IGNORECASE,
    ),
    # Letters followed by digits (or digits then letters), as on passports and ID cards.
    "document_number": re.compile(
        r"\b[A-ZА-Я]{1,3}[\s-]?\d{5,10}\b|\b\d{2,4}\s?[A-ZА-Я]{1,3}\s?\d{4,8}\b", re.IGNORECASE
    ),
    # Seven or more digits, allowing the separators people type inside phone numbers.
    "phone": re.compile(r"(?:\+|\b00)?\d(?:[\s().-]*\d){6,}"),
}

KIND_LABELS = {
    "email": _l("an email address"),
    "phone": _l("a phone number"),
    "document_number": _l("a passport or ID number"),
    "date": _l("a full date"),
}


def identifiers_in(text: str | None) -> list[str]:
    """The kinds of identifier found in text, in a stable order."""
    if not text:
        return []
    found = []
    for kind, pattern in PATTERNS.items():
        if pattern.search(text):
            found.append(kind)
            text = pattern.sub(" ", text)
    return found
