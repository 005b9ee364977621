"""The workflow, described from the machine's own definition: a table and an SVG diagram."""

from dataclasses import dataclass

from markupsafe import Markup, escape

from workflows.nrm import ACTOR_LABELS, MACHINE, STAGE_LABELS, TRIGGERS, Stage

BOX_W, BOX_H, GAP, TOP = 150, 56, 60, 130


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


# Open stages in a row; "closed" below the row, under "recovery".
ROW = [Stage.IDENTIFIED, Stage.NOTIFIED, Stage.REFERRED, Stage.RECOVERY, Stage.REHABILITATION]
CLOSED_Y = TOP + BOX_H + 150


def _box(stage: Stage) -> tuple[int, int]:
    """Top-left corner of a stage's box."""
    if stage == Stage.CLOSED:
        return 20 + ROW.index(Stage.RECOVERY) * (BOX_W + GAP), CLOSED_Y
    return 20 + ROW.index(stage) * (BOX_W + GAP), TOP


def _text(x: float, y: float, text: str, css: str, anchor: str = "middle") -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" class="{css}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def diagram(all_edges: list[Edge]) -> Markup:
    """Steps between open stages arc above the row; steps to and from "closed" run below."""
    grouped: dict[tuple[Stage, Stage], list[str]] = {}
    for edge in all_edges:
        triggers = grouped.setdefault((edge.source, edge.dest), [])
        if edge.trigger not in triggers:
            triggers.append(edge.trigger)
    width = 20 + len(ROW) * (BOX_W + GAP)
    height = CLOSED_Y + BOX_H + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="workflow-diagram" role="img" aria-labelledby="workflow-title">',
        '<title id="workflow-title">NRM workflow</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ]
    for (source, dest), triggers in grouped.items():
        label = ", ".join(triggers)
        (sx, sy), (dx, dy) = _box(source), _box(dest)
        if Stage.CLOSED not in (source, dest):
            x1, x2 = sx + BOX_W // 2, dx + BOX_W // 2
            span = ROW.index(dest) - ROW.index(source)
            cy = TOP - 30 - span * 28
            parts.append(
                f'<path d="M{x1},{TOP} Q{(x1 + x2) // 2},{cy} {x2},{TOP}" class="edge" '
                'marker-end="url(#arrow)"/>'
            )
            parts.append(_text((x1 + x2) / 2, (TOP + cy) / 2 - 2, label, "edge-label"))
            continue
        # Vertical-ish lines between the row and "closed"; out and back side by side.
        going_down = dest == Stage.CLOSED
        top_box, bottom_box = ((sx, sy), (dx, dy)) if going_down else ((dx, dy), (sx, sy))
        shift = -8 if going_down else 8
        x_top = top_box[0] + BOX_W // 2 + shift
        x_bottom = bottom_box[0] + BOX_W // 2 + shift + (top_box[0] - bottom_box[0]) // 6
        y_top, y_bottom = TOP + BOX_H, CLOSED_Y
        start, end = (
            ((x_top, y_top), (x_bottom, y_bottom))
            if going_down
            else (
                (x_bottom, y_bottom),
                (x_top, y_top),
            )
        )
        parts.append(
            f'<path d="M{start[0]},{start[1]} L{end[0]},{end[1]}" class="edge" '
            'marker-end="url(#arrow)"/>'
        )
        # Each label sits on the outer side of its line: left of "closed" to the left,
        # right of it to the right; the pair straight above it splits, down left, up right.
        column = ROW.index(source if going_down else dest) - ROW.index(Stage.RECOVERY)
        fraction = 0.5 if column == 0 else (0.22 if going_down else 0.8)
        label_y = y_top + (y_bottom - y_top) * fraction
        label_x = x_top + (x_bottom - x_top) * (label_y - y_top) / (y_bottom - y_top)
        left = column < 0 or (column == 0 and going_down)
        anchor, offset = ("end", -8) if left else ("start", 8)
        parts.append(_text(label_x + offset, label_y, label, "edge-label", anchor))
    for stage in Stage:
        x, y = _box(stage)
        parts.append(
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" class="stage"/>'
        )
        parts.append(_text(x + BOX_W / 2, y + BOX_H / 2 + 5, stage.value, "stage-label"))
    parts.append("</svg>")
    # Every interpolated text above went through escape(); the rest is our own markup.
    return Markup("".join(parts))  # noqa: S704
