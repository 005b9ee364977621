"""Decision support from the indicators observed: never a decision in itself."""

from dataclasses import dataclass

from referral.cases.models import Case
from referral.indicators.catalogue import catalogue, dimension_positive


@dataclass(frozen=True)
class DimensionAssessment:
    code: str
    label: str
    strong: int
    medium: int
    weak: int
    meets_rule: bool


def assess(case: Case, form: str) -> list[DimensionAssessment]:
    """Per ILO dimension: strong/medium/weak counts of distinct observed indicators."""
    cat = catalogue()
    observed = {o.code for o in case.active_observations}
    result = []
    for dimension in cat.dimensions:
        counts = {"strong": 0, "medium": 0, "weak": 0}
        for code in observed:
            indicator = cat.indicators.get(code)
            if indicator and indicator.dimension == dimension.code:
                strength = indicator.strengths.get(form)
                if strength in counts:
                    counts[strength] += 1
        result.append(
            DimensionAssessment(
                code=dimension.code,
                label=dimension.label,
                meets_rule=dimension_positive(counts["strong"], counts["medium"], counts["weak"]),
                **counts,
            )
        )
    return result
