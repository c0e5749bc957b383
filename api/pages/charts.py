"""Bar charts drawn on the server as inline SVG: the geometry of each bar, computed here, so
the templates only place rectangles (the pages' CSP allows no script and no inline style).

A chart is always shown beside a data table holding the same figures; the SVG carries a
``<title>`` and a description for screen readers, and each bar its own ``<title>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 720
"""The viewBox width; the stylesheet scales the SVG to the page."""

HEIGHT = 240
PLOT_TOP = 16
PLOT_BOTTOM = 200
"""The plot area's top and bottom (the x labels sit below it)."""

PLOT_LEFT = 40
PLOT_RIGHT = WIDTH - 8


@dataclass(frozen=True, kw_only=True)
class Bar:
    """One bar: its label (an x-axis value), its figure, its rectangle, whether it is marked
    (drawn in the alarm colour, e.g. an hour outside the contact hours), and whether its
    label is drawn (crowded axes label every n-th bar only)."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    marked: bool
    show_label: bool

    @property
    def center(self) -> float:
        """The bar's horizontal middle, where its label goes."""
        return self.x + self.width / 2


@dataclass(frozen=True, kw_only=True)
class Tick:
    """A horizontal grid line of the y axis at figure `value`."""

    value: int
    y: float


@dataclass(frozen=True, kw_only=True)
class BarChart:
    """The bars and the y-axis ticks of a chart, in viewBox units."""

    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = PLOT_LEFT
    right: int = PLOT_RIGHT
    bottom: int = PLOT_BOTTOM

    @property
    def total(self) -> int:
        """The sum of the figures."""
        return sum(b.value for b in self.bars)


def bar_chart(
    points: Sequence[tuple[str, int]],
    *,
    marked: frozenset[str] = frozenset(),
    max_labels: int = 24,
) -> BarChart:
    """The chart of `points` (label, figure), in their order; labels in `marked` are drawn in
    the alarm colour. At most `max_labels` x labels are drawn, evenly spaced."""
    top = max((value for _, value in points), default=0)
    scale_top = _nice(top)
    plot_height = PLOT_BOTTOM - PLOT_TOP
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(1, len(points))
    every = max(1, -(-len(points) // max_labels))  # ceiling division
    bars = []
    for index, (label, value) in enumerate(points):
        height = plot_height * value / scale_top if scale_top else 0.0
        bars.append(
            Bar(
                label=label,
                value=value,
                x=round(PLOT_LEFT + index * slot + slot * 0.1, 2),
                y=round(PLOT_BOTTOM - height, 2),
                width=round(slot * 0.8, 2),
                height=round(height, 2),
                marked=label in marked,
                show_label=index % every == 0,
            )
        )
    step = max(1, scale_top // 4)
    ticks = (
        tuple(
            Tick(value=v, y=round(PLOT_BOTTOM - plot_height * v / scale_top, 2))
            for v in range(0, scale_top + 1, step)
        )
        if scale_top
        else (Tick(value=0, y=PLOT_BOTTOM),)
    )
    return BarChart(bars=tuple(bars), ticks=ticks)


def _nice(value: int) -> int:
    """The y axis's top: `value` rounded up to 4 steps of 1, 2, 3 or 5 x 10^n."""
    if value <= 0:
        return 0
    if value <= 4:
        return 4
    magnitude = 1
    while True:
        for step in (1, 2, 3, 5):
            if 4 * step * magnitude >= value:
                return 4 * step * magnitude
        magnitude *= 10
