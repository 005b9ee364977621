"""The workflow, described from the machine's own definition: a table and an SVG diagram."""

from dataclasses import dataclass

from markupsafe import Markup, escape

from workflows.nrm import ACTOR_LABELS, MACHINE, STAGE_LABELS, TRIGGERS, Stage

BOX_W, BOX_H, GAP, TOP = 150, 56, 40, 150


@dataclass(frozen=True)
class Edge:
    trigger: str
    label: str
    source: Stage
    dest: Stage
    who: list[str]
    guards: list[str]


def edges() -> list[Edge]:
    result = []
    for trigger, spec in TRIGGERS.items():
        for source_name, transitions in MACHINE.events[trigger].transitions.items():
            for transition in transitions:
                result.append(
                    Edge(
                        trigger=trigger,
                        label=str(spec["label"]),
                        source=Stage[source_name],
                        dest=Stage[transition.dest],
                        who=[str(ACTOR_LABELS[w]) for w in spec["who"]],
                        guards=[c.func for c in transition.conditions],
                    )
                )
    return result


def workflow_description() -> dict:
    all_edges = edges()
    return {
        "stages": [{"code": s.value, "label": str(STAGE_LABELS[s])} for s in Stage],
        "transitions": [
            {
                "trigger": e.trigger,
                "label": e.label,
                "from": e.source.value,
                "to": e.dest.value,
                "who": e.who,
                "guards": e.guards,
            }
            for e in all_edges
        ],
        "svg": diagram(all_edges),
    }


def _x(stage: Stage) -> int:
    return 20 + list(Stage).index(stage) * (BOX_W + GAP)


def diagram(all_edges: list[Edge]) -> Markup:
    """Stages in a row; forward steps arc above, backward steps arc below."""
    width = _x(Stage.CLOSED) + BOX_W + 20
    height = TOP * 2 + BOX_H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="workflow-diagram" role="img" aria-labelledby="workflow-title">',
        '<title id="workflow-title">NRM workflow</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ]
    seen: set[tuple] = set()
    forward_level: dict[int, int] = {}
    backward_level: dict[int, int] = {}
    for edge in all_edges:
        key = (edge.trigger, edge.source, edge.dest)
        if key in seen:
            continue
        seen.add(key)
        x1 = _x(edge.source) + BOX_W // 2
        x2 = _x(edge.dest) + BOX_W // 2
        forward = x2 > x1
        levels = forward_level if forward else backward_level
        span = abs(x2 - x1) // (BOX_W + GAP)
        level = levels.get(span, 0)
        levels[span] = level + 1
        bend = 28 + span * 14 + level * 10
        y = TOP if forward else TOP + BOX_H
        cy = y - bend * 2 if forward else y + bend * 2
        parts.append(
            f'<path d="M{x1 + (6 if forward else -6)},{y} Q{(x1 + x2) // 2},{cy} '
            f'{x2 + (-6 if forward else 6)},{y}" class="edge" marker-end="url(#arrow)"/>'
        )
        ly = (y + cy) // 2 + (4 if forward else 8)
        parts.append(
            f'<text x="{(x1 + x2) // 2}" y="{ly}" class="edge-label" text-anchor="middle">'
            f"{escape(edge.trigger)}</text>"
        )
    for stage in Stage:
        x = _x(stage)
        parts.append(
            f'<rect x="{x}" y="{TOP}" width="{BOX_W}" height="{BOX_H}" rx="8" class="stage"/>'
        )
        parts.append(
            f'<text x="{x + BOX_W // 2}" y="{TOP + BOX_H // 2 + 5}" text-anchor="middle" '
            f'class="stage-label">{escape(stage.value)}</text>'
        )
    parts.append("</svg>")
    # Every interpolated text above went through escape(); the rest is our own markup.
    return Markup("".join(parts))  # noqa: S704
