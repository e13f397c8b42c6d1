"""Charts for a half-year report, drawn on the server as SVG (for HTML and PDF) and PNG (for Word).

Figures are built with `matplotlib.figure.Figure` and never through pyplot, so no global figure
state is shared between threads. Text is drawn as paths: the SVG needs no font and references
nothing outside itself, and its output is the same for the same data.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sahay.reports.content import SeriesPoint, TargetSection

# Set once at import: both are read when a figure is saved, and every chart wants the same.
matplotlib.rcParams["svg.fonttype"] = "path"
matplotlib.rcParams["svg.hashsalt"] = "sahay-report"

BAR_COLOUR = "#1f6f8b"
TARGET_COLOUR = "#c8553d"
TRACK_COLOUR = "#e4ecef"  # the range from zero to the target, behind the bar
NOTE_COLOUR = "#555555"
FONT_SIZE = 7.5
PNG_DPI = 200

# Matplotlib writes these unless told not to; dropping them keeps output byte-for-byte repeatable.
SVG_METADATA: dict[str, str | None] = {"Date": None, "Creator": None, "Format": None, "Type": None}
PNG_METADATA: dict[str, str | None] = {"Software": None}
PROLOGUE = re.compile(r"\A.*?(?=<svg)", re.DOTALL)  # XML declaration and DOCTYPE (which names a URL)
STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')


@dataclass(frozen=True, eq=False)
class Chart:
    """A drawn chart; its SVG and PNG are written on first use, since saving is most of the cost."""

    figure: Figure

    @cached_property
    def svg(self) -> str:
        """An <svg> element to inline, ids prefixed so several charts can share a page."""
        buffer = io.StringIO()
        self.figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
        return _inlineable(buffer.getvalue())

    @property
    def svg_data_uri(self) -> str:
        """The SVG as an image address: WeasyPrint draws it much faster than the same SVG inline."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode("ascii")

    @cached_property
    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata=PNG_METADATA)
        return buffer.getvalue()


def bullet_chart(section: TargetSection, labels: dict[str, str]) -> Chart:
    """The cumulative figure as a bar against the target, with a marker where the linear path is."""
    figure = _figure(6.5, 1.2)
    axes = figure.add_axes((0.03, 0.3, 0.94, 0.38))
    axes.set_yticks([])
    for side in ("left", "right", "top"):
        axes.spines[side].set_visible(False)
    known = [value for value in (section.actual, section.target, section.expected) if value is not None]
    top = float(max(known)) * 1.08 if known and max(known) > 0 else 1.0
    axes.set_xlim(0, top)
    axes.set_ylim(-0.5, 0.5)
    _thousands(axes, "x")

    handles: list[Patch | Line2D] = []
    if section.target is not None:
        axes.barh(0, float(section.target), height=0.8, color=TRACK_COLOUR)
        axes.axvline(float(section.target), ymin=0.02, ymax=0.98, color=TARGET_COLOUR, linewidth=2.5)
        handles.append(Line2D([], [], color=TARGET_COLOUR, linewidth=2.5, label=labels["bullet_target"]))
    if section.actual is not None:
        axes.barh(0, float(section.actual), height=0.42, color=BAR_COLOUR)
        axes.text(float(section.actual), 0, f" {_number(section.actual)}", va="center", ha="left", fontsize=FONT_SIZE)
        handles.insert(0, Patch(color=BAR_COLOUR, label=labels["bullet_actual"]))
    else:
        axes.text(
            0.01 * top, 0, _suppressed_label(labels), va="center", ha="left", fontsize=FONT_SIZE, color=NOTE_COLOUR
        )
    if section.expected is not None:
        axes.plot(
            [float(section.expected)],
            [-0.38],
            marker="^",
            markersize=7,
            color=TARGET_COLOUR,
            linestyle="none",
            clip_on=False,
        )
        handles.append(
            Line2D([], [], marker="^", markersize=6, color=TARGET_COLOUR, linestyle="none", label=labels["bullet_path"])
        )
    figure.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.02, 1.0),
        ncol=len(handles) or 1,
        frameon=False,
        fontsize=FONT_SIZE,
    )
    return Chart(figure)


def trend_chart(section: TargetSection, labels: dict[str, str]) -> Chart:
    """The period figure per semester; a suppressed or missing semester is left as a gap."""
    figure = _figure(3.2, 2.3)
    axes = figure.add_subplot()
    positions = range(len(section.trend))
    known = [
        (x, float(point.value)) for x, point in zip(positions, section.trend, strict=True) if point.value is not None
    ]
    axes.bar([x for x, _ in known], [value for _, value in known], color=BAR_COLOUR, width=0.65)
    axes.set_xticks(list(positions), [point.label for point in section.trend], rotation=45, ha="right")
    axes.set_xlim(-0.6, max(len(section.trend), 1) - 0.4)
    highest = max((value for _, value in known), default=0.0)
    axes.set_ylim(0, highest * 1.1 if highest > 0 else 1.0)  # counts never go below 0; nothing yet still has an axis
    _thousands(axes, "y")
    _plain(axes)
    _margins(figure, left=0.5, bottom=0.55)
    return Chart(figure)


def countries_chart(section: TargetSection, labels: dict[str, str]) -> Chart:
    """The cumulative figure per country as horizontal bars; suppressed countries are named in a note."""
    drawn = [point for point in section.by_country if point.value is not None]
    skipped = [point.label for point in section.by_country if point.value is None]
    figure = _figure(3.2, max(1.4, 0.6 + 0.19 * len(drawn) + (0.25 if skipped else 0)))
    axes = figure.add_subplot()
    rows = range(len(drawn))
    axes.barh(list(rows), [_value(point) for point in drawn], color=BAR_COLOUR, height=0.65)
    axes.set_yticks(list(rows), [point.label for point in drawn])
    axes.invert_yaxis()  # first country on top, in the order the report lists them
    largest = max((_value(point) for point in drawn), default=0.0)
    axes.set_xlim(0, largest * 1.25 if largest > 0 else 1.0)
    for row, point in zip(rows, drawn, strict=True):
        axes.text(_value(point), row, f" {_number(point.value)}", va="center", ha="left", fontsize=FONT_SIZE - 0.5)
    _thousands(axes, "x")
    _plain(axes)
    bottom = 0.0
    if skipped:
        note = f"{_suppressed_label(labels)}: {', '.join(skipped)}"
        figure.text(0.02, 0.02, note, fontsize=FONT_SIZE - 0.5, color=NOTE_COLOUR, wrap=True)
        bottom = 0.12
    longest = max((len(point.label) for point in drawn), default=4)
    _margins(figure, left=0.15 + 0.058 * longest, bottom=0.3 + bottom)
    return Chart(figure)


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height))
    figure.set_facecolor("white")
    return figure


def _margins(figure: Figure, *, left: float, bottom: float, right: float = 0.1, top: float = 0.1) -> None:
    """Fixed margins in inches: cheaper than a layout engine, which draws the figure an extra time."""
    width, height = figure.get_size_inches()
    figure.subplots_adjust(left=left / width, bottom=bottom / height, right=1 - right / width, top=1 - top / height)


def _plain(axes: Axes) -> None:
    axes.spines["top"].set_visible(False)
    axes.spines["right"].set_visible(False)
    axes.tick_params(labelsize=FONT_SIZE, length=2)


def _thousands(axes: Axes, which: str) -> None:
    axes.tick_params(labelsize=FONT_SIZE, length=2)
    axis = axes.xaxis if which == "x" else axes.yaxis
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    axis.set_major_locator(MaxNLocator(nbins=4, integer=True))  # few ticks: less to read, less to draw


def _value(point: SeriesPoint) -> float:
    return float(point.value or 0)


def _number(value: Decimal | None) -> str:
    return f"{value:,.0f}" if value is not None else ""


def _suppressed_label(labels: dict[str, str]) -> str:
    # content.labels has no key of its own for this yet; "<5" and "x" read the same in every language.
    return labels.get("suppressed", "<5 / x suppressed")


def _inlineable(svg: str) -> str:
    """An <svg> element fit to sit inside an HTML page among other charts.

    The prologue goes (its DOCTYPE names a URL); ids get a prefix so charts sharing a page cannot
    clash; styles become presentation attributes, which the app's Content-Security-Policy allows
    where it blocks inline style, and the one <style> element would otherwise apply to the whole page.
    """
    svg = STYLE_ELEMENT.sub("", PROLOGUE.sub("", svg))
    svg = STYLE_ATTRIBUTE.sub(_as_attributes, svg)
    prefix = "c" + hashlib.sha256(svg.encode()).hexdigest()[:8] + "-"
    svg = (
        svg.replace(' id="', f' id="{prefix}').replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    )
    return svg.replace("<svg ", '<svg role="img" stroke-linejoin="round" stroke-linecap="butt" ', 1)


def _as_attributes(match: re.Match[str]) -> str:
    declarations = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in declarations)
