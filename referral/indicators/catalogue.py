"""The indicator catalogue: data loaded from a JSON file that a jurisdiction can replace.

The file shipped with the project holds the ILO / European Commission operational
indicators of trafficking (2009) for adults and children in labour exploitation, with its
provenance. Set INDICATOR_CATALOGUE to the path of another file of the same shape to
replace or extend it. Texts are translated through the message catalogs (see extract.py).
"""

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext

DEFAULT_CATALOGUE = Path(__file__).with_name("data") / "ilo-2009.json"
ADULT_FORM = "labour_adult"
CHILD_FORM = "labour_child"


@dataclass(frozen=True)
class Indicator:
    code: str
    text: str
    dimension: str
    # strength per form: {"labour_adult": "medium", "labour_child": "strong"}
    strengths: dict[str, str] = field(hash=False, compare=False)

    @property
    def label(self) -> str:
        return gettext(self.text)


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str
    element: str
    phase: str

    @property
    def label(self) -> str:
        return gettext(self.name)


@dataclass(frozen=True)
class Catalogue:
    source: dict
    coverage: dict
    rule: str
    dimensions: tuple[Dimension, ...]
    indicators: dict[str, Indicator]
    forms: tuple[str, ...]

    def for_form(self, form: str) -> list[Indicator]:
        return [i for i in self.indicators.values() if form in i.strengths]

    def strength(self, code: str, form: str) -> str | None:
        indicator = self.indicators.get(code)
        return indicator.strengths.get(form) if indicator else None


def load_catalogue(path: Path) -> Catalogue:
    data = json.loads(path.read_text(encoding="utf-8"))
    dimensions: dict[str, Dimension] = {}
    indicators: dict[str, Indicator] = {}
    for form in data["forms"]:
        for dim in form["dimensions"]:
            dimensions.setdefault(
                dim["code"],
                Dimension(
                    dim["code"], dim["name"], dim.get("element", ""), dim.get("ilo_phase", "")
                ),
            )
            for item in dim["indicators"]:
                indicator = indicators.setdefault(
                    item["code"], Indicator(item["code"], item["text"], dim["code"], {})
                )
                indicator.strengths[form["form"]] = item["strength"]
    return Catalogue(
        source=data.get("source", {}),
        coverage=data.get("coverage", {}),
        rule=data["decision_rule"]["per_dimension"]["rule"],
        dimensions=tuple(dimensions.values()),
        indicators=indicators,
        forms=tuple(form["form"] for form in data["forms"]),
    )


@cache
def _cached(path: str) -> Catalogue:
    return load_catalogue(Path(path))


def catalogue() -> Catalogue:
    return _cached(str(current_app.config.get("INDICATOR_CATALOGUE") or DEFAULT_CATALOGUE))


def dimension_positive(strong: int, medium: int, weak: int) -> bool:
    """ILO/EC 2009 per-dimension rule.

    Positive with 2 strong; or 1 strong + 1 medium or weak; or 3 medium; or 2 medium + 1 weak.
    """
    return (
        strong >= 2
        or (strong >= 1 and medium + weak >= 1)
        or medium >= 3
        or (medium >= 2 and weak >= 1)
    )
