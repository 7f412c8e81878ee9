"""Impact charts as PNG images, drawn by matplotlib's Agg backend.

Each chart is its own ``Figure`` (no pyplot, no global state), so rendering is safe in a worker
thread: the bot calls :func:`render` through ``asyncio.to_thread`` and never blocks its event loop.
Labels are in the language asked for.
"""

from __future__ import annotations

import io
import threading

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from bot.i18n import t  # noqa: E402
from bot.services.value.impact import OUTCOME_KINDS, SECTORS, THANKS_KINDS, TREND_SERIES, Impact  # noqa: E402

DPI = 100
MONTH_LABELS = 24
FILES = ("sectors.png", "trend.png", "kinds.png")
# matplotlib is not made for drawing in two threads at once: one chart set at a time.
_DRAWING = threading.Lock()


def _png(figure: Figure) -> bytes:
    # Fixed margins (set per chart) instead of a layout engine: a layout engine draws every figure twice.
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 3})
    return buffer.getvalue()


def sector_label(locale: str, sector: str) -> str:
    return t(locale, "value.sector.unknown") if sector == "unknown" else t(locale, f"sector.{sector}")


def sectors_chart(impact: Impact, locale: str) -> bytes:
    """Who helps whom across the quadruple helix: a heat map of accepted introductions, meetings
    and thanks, from the sector that gave (rows) to the sector that received (columns)."""
    grid = impact.matrix()
    labels = [sector_label(locale, s) for s in SECTORS]
    figure = Figure(figsize=(7.5, 6.5))
    figure.subplots_adjust(left=0.34, right=0.98, bottom=0.27, top=0.93)
    ax = figure.add_subplot()
    ax.imshow(grid, cmap="YlGn")
    ax.set_xticks(range(len(labels)), labels=labels, rotation=35, ha="right")
    ax.set_yticks(range(len(labels)), labels=labels)
    ax.set_xlabel(t(locale, "value.chart.to"))
    ax.set_ylabel(t(locale, "value.chart.from"))
    ax.set_title(t(locale, "value.chart.sectors"))
    peak = max((max(row) for row in grid), default=0)
    for i, row in enumerate(grid):
        for j, count in enumerate(row):
            if count:
                ax.text(j, i, str(count), ha="center", va="center", color="white" if count > peak / 2 else "black")
    return _png(figure)


def trend_chart(impact: Impact, locale: str) -> bytes:
    """Per month: introductions proposed, accepted and met, thanks, event attendance, challenges done."""
    months = sorted(impact.trend) or impact.months
    figure = Figure(figsize=(9, 5))
    figure.subplots_adjust(left=0.1, right=0.7, bottom=0.2, top=0.92)
    ax = figure.add_subplot()
    positions = range(len(months))
    for series in TREND_SERIES:
        values = [impact.trend.get(m, {}).get(series, 0) for m in months]
        ax.plot(positions, values, marker="o", label=t(locale, f"value.series.{series}"))
    # At most about two dozen month labels, whatever the period.
    step = max(1, -(-len(months) // MONTH_LABELS))
    ax.set_xticks(positions[::step], labels=months[::step])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(t(locale, "value.chart.trend"))
    ax.set_xlabel(t(locale, "value.chart.month"))
    ax.set_ylabel(t(locale, "value.chart.count"))
    ax.tick_params(axis="x", labelrotation=45)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    return _png(figure)


def kinds_chart(impact: Impact, locale: str) -> bytes:
    """Value by kind: how many thanks of each kind and the outcomes of other features; and the hours
    per kind of thanks when the server counts time credits."""
    kinds = (*THANKS_KINDS, *OUTCOME_KINDS)
    labels = [t(locale, f"value.kind.{k}") for k in kinds]
    counts = [impact.kinds.get(k, (0, 0))[0] for k in kinds]
    panels = 2 if impact.time_credits else 1
    # Room on the left of each panel for its labels, in inches.
    width, label_room, gap = 6.0 * panels, 2.6, 0.3
    figure = Figure(figsize=(width, 5))
    panel = (width / panels - label_room - gap) / width
    ax = figure.add_axes((label_room / width, 0.12, panel, 0.78))
    ax.barh(labels, counts, color=["#2a9d8f"] * len(THANKS_KINDS) + ["#e9c46a"] * len(OUTCOME_KINDS))
    ax.invert_yaxis()
    ax.set_title(t(locale, "value.chart.kinds"))
    ax.set_xlabel(t(locale, "value.chart.count"))
    if impact.time_credits:
        hours_ax = figure.add_axes((0.5 + label_room / width, 0.12, panel, 0.78))
        hours = [impact.kinds.get(k, (0, 0))[1] / 4 for k in THANKS_KINDS]
        hours_ax.barh([t(locale, f"value.kind.{k}") for k in THANKS_KINDS], hours, color="#264653")
        hours_ax.invert_yaxis()
        hours_ax.set_title(t(locale, "value.chart.hours"))
        hours_ax.set_xlabel(t(locale, "value.chart.hours_axis"))
    return _png(figure)


def render(impact: Impact, locale: str) -> dict[str, bytes]:
    """All charts by file name; slow (tens of milliseconds each): run it in a worker thread."""
    with _DRAWING:
        return {
            "sectors.png": sectors_chart(impact, locale),
            "trend.png": trend_chart(impact, locale),
            "kinds.png": kinds_chart(impact, locale),
        }
