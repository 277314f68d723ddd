"""The link chart (issue 20, item 4): the child, the things linked to them, and the other
cases the viewer may see that share them, drawn on the server as SVG.

No script, so nothing to load under the strict CSP and nothing to break; the page's table
lists the same links for screen readers and for anyone the picture does not help. Only
what the selectors let the viewer read is drawn (links.selectors.also_on).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SIZE = 640
CENTRE = SIZE / 2
THING_RING = 140
CASE_RING = 250
MAX_OTHER_CASES = 24
LABEL_LENGTH = 24


@dataclass
class Node:
    key: str
    x: float
    y: float
    label: str
    caption: str  # the kind, or the case reference
    shape: str  # "child", "thing" or "case"

    @property
    def box(self) -> tuple[float, float]:
        """A case node's rectangle, from its top left corner."""
        return (round(self.x - 80, 1), round(self.y - 22, 1))

    @property
    def short_label(self) -> str:
        if len(self.label) <= LABEL_LENGTH:
            return self.label
        return self.label[: LABEL_LENGTH - 1] + "…"


@dataclass
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    restricted: bool = False


@dataclass
class Chart:
    nodes: list[Node]
    edges: list[Edge]
    size: int = SIZE
    cases_left_out: int = 0


def _at(radius: float, angle: float) -> tuple[float, float]:
    x, y = CENTRE + radius * math.cos(angle), CENTRE + radius * math.sin(angle)
    return (round(x, 1), round(y, 1))


def draw(child_name: str, links, also: dict) -> Chart:
    """Lay out the chart: the child at the centre, one node per linked thing on a ring
    around them, and the other visible cases sharing a thing on an outer ring, each joined
    to every thing it shares. `also` maps a thing to its links on other cases. A picture
    only (no links inside it: an image holds nothing to focus); the table beside it leads
    to each case."""
    nodes = [Node("child", CENTRE, CENTRE, child_name, "This child", "child")]
    edges: list[Edge] = []
    things: dict[int, Node] = {}
    seen = list({link.thing_id: link for link in reversed(list(links))}.values())[::-1]
    for index, link in enumerate(seen):
        angle = -math.pi / 2 + 2 * math.pi * index / max(len(seen), 1)
        x, y = _at(THING_RING if len(seen) > 1 else THING_RING * 0.8, angle)
        node = Node(f"thing-{link.thing_id}", x, y, link.short, link.thing.get_kind_display(),
                    "thing")  # fmt: skip
        things[link.thing_id] = node
        nodes.append(node)
        edges.append(Edge(CENTRE, CENTRE, x, y, link.restricted))
    # Other cases, in the order of the first thing they share, on the outer ring.
    cases: dict[int, tuple[object, list[int]]] = {}
    for link in seen:
        for other in also.get(link.thing_id, []):
            entry = cases.setdefault(other.case_id, (other.case, []))
            entry[1].append(link.thing_id)
    shown = list(cases.items())[:MAX_OTHER_CASES]
    for index, (case_id, (case, shared)) in enumerate(shown):
        angle = -math.pi / 2 + 2 * math.pi * (index + 0.5) / max(len(shown), 1)
        x, y = _at(CASE_RING, angle)
        nodes.append(Node(f"case-{case_id}", x, y, case.child.full_name, case.reference, "case"))
        for thing_id in dict.fromkeys(shared):
            thing = things[thing_id]
            edges.append(Edge(thing.x, thing.y, x, y))
    return Chart(nodes, edges, SIZE, max(len(cases) - MAX_OTHER_CASES, 0))
