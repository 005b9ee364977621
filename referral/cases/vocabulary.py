"""The coded values that describe a case (after IOM's HTCDS 2.0 and CTDC): nothing more."""

from functools import cache

import pycountry
from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

# CTDC age bands; a child is anyone in the first two.
AGE_BANDS = ("0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+")
CHILD_AGE_BANDS = frozenset({"0-8", "9-17"})

GENDERS = {
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Other"),
    "unknown": _l("Unknown"),
}

EXPLOITATION_TYPES = {
    "forced_labour": _l("Forced labour"),
    "sexual_exploitation": _l("Sexual exploitation"),
    "criminal_exploitation": _l("Criminal exploitation"),
    "domestic_servitude": _l("Domestic servitude"),
    "forced_begging": _l("Forced begging"),
    "forced_marriage": _l("Forced marriage"),
    "organ_removal": _l("Organ removal"),
    "child_labour": _l("Child labour"),
    "other": _l("Other"),
}

# ISIC Rev. 4 sections, for forced labour only.
LABOUR_INDUSTRIES = {
    "A": _l("Agriculture, forestry and fishing"),
    "B": _l("Mining and quarrying"),
    "C": _l("Manufacturing"),
    "D": _l("Electricity, gas, steam and air conditioning supply"),
    "E": _l("Water supply, sewerage, waste management"),
    "F": _l("Construction"),
    "G": _l("Wholesale and retail trade, repair of vehicles"),
    "H": _l("Transportation and storage"),
    "I": _l("Accommodation and food service"),
    "J": _l("Information and communication"),
    "K": _l("Financial and insurance activities"),
    "L": _l("Real estate activities"),
    "M": _l("Professional, scientific and technical activities"),
    "N": _l("Administrative and support services"),
    "O": _l("Public administration and defence"),
    "P": _l("Education"),
    "Q": _l("Human health and social work"),
    "R": _l("Arts, entertainment and recreation"),
    "S": _l("Other service activities"),
    "T": _l("Households as employers, domestic work"),
    "U": _l("Extraterritorial organisations"),
}

CONSENT_STATUSES = {
    "given": _l("Consent given"),
    "refused": _l("Consent refused"),
    "withdrawn": _l("Consent withdrawn"),
    "not_required": _l("Not required (child)"),
}

CLOSURE_REASONS = {
    "reintegrated": _l("Reintegrated"),
    "returned": _l("Returned to the country of origin"),
    "declined_support": _l("Declined further support"),
    "lost_contact": _l("Contact lost"),
    "duplicate": _l("Duplicate of another case"),
    "transferred_abroad": _l("Transferred to another country's mechanism"),
    "other": _l("Other"),
}
# Closures recorded by the system itself, never chosen in the close form.
SYSTEM_CLOSURE_REASONS = {
    "negative_rg": _l("Negative reasonable-grounds decision"),
    "negative_cg": _l("Negative conclusive-grounds decision"),
    "consent_withdrawn": _l("Consent withdrawn"),
}

OUTCOMES = {"positive": _l("Positive"), "negative": _l("Negative")}

UNKNOWN_COUNTRY = "ZZ"


@cache
def country_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries) | {UNKNOWN_COUNTRY}


def country_name(code: str, locale: str | None = None) -> str:
    """The country's name in the user's language (Babel/CLDR), falling back to ISO's."""
    if code == UNKNOWN_COUNTRY:
        return str(_l("Unknown or stateless"))
    name = Locale.parse(locale or str(get_locale())).territories.get(code)
    if name:
        return name
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def country_choices() -> list[tuple[str, str]]:
    locale = str(get_locale())
    pairs = [(code, country_name(code, locale)) for code in country_codes()]
    return sorted(pairs, key=lambda pair: (pair[0] != UNKNOWN_COUNTRY, pair[1]))
