from collections.abc import Iterable, Mapping

from wtforms import SelectChoice, SelectMultipleField, widgets


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: usable without JavaScript, unlike a multiple select."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def choices(labels: Mapping | Iterable[tuple]) -> list[SelectChoice]:
    """Select options from {code: label} or (code, label) pairs; labels may be lazy."""
    pairs = labels.items() if isinstance(labels, Mapping) else labels
    return [SelectChoice(str(value), label) for value, label in pairs]
