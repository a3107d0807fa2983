"""Small inline SVG charts for the PDF (WeasyPrint renders SVG natively; no browser, no images)."""

from __future__ import annotations

from html import escape

from bpo_portal import units

WIDTH, HEIGHT = 680, 170
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 24
LINE = "#0d6efd"
TARGET = "#dc3545"
BAR = "#6c8ebf"
GRID = "#dee2e6"
TEXT = "#495057"
FONT = f'font-size="8" fill="{TEXT}"'


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 2.5, 5, 10):
        magnitude = 10 ** (len(str(int(value))) - 1)
        candidate = step * magnitude
        if candidate >= value:
            return float(candidate)
    return float(value)


def _axis_text(value: float, y_max: float, unit: str) -> str:
    """An axis label in the figure's unit (durations as m:ss, percentages with "%")."""
    if unit == units.DURATION:
        return units.duration(value)
    text = f"{value:,.0f}" if y_max >= 10 else f"{value:.1f}"
    return f"{text} %" if unit == units.PERCENT else text


def _frame(y_max: float, unit: str, labels: list[str]) -> list[str]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = []
    for i in range(5):
        value = y_max * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}" stroke-width="0.6"/>'
        )
        text = _axis_text(value, y_max, unit)
        parts.append(f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" {FONT}>{escape(text)}</text>')
    n = len(labels)
    for i, label in enumerate(labels):
        if n > 16 and i % 5 and i != n - 1:
            continue
        x = LEFT + plot_w * (i + 0.5) / n
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="middle" {FONT}>{escape(label)}</text>')
    return parts


def _nice_duration(seconds: float) -> float:
    """A top of the axis whose quarters are whole minutes or hours where it can."""
    for step in (5, 10, 15, 30, 60, 120, 240, 300, 600, 900, 1200, 1800, 3600, 7200, 14400, 21600, 43200, 86400):
        if step * 4 >= seconds:
            return float(step * 4) if seconds > 0 else 60.0 * 4
    return _nice_max(seconds)


def line_chart(labels: list[str], values: list[float | None], *, unit: str = "", target: float | None = None) -> str:
    """Daily values as a line with dots (gaps where undefined) and the target as a dashed line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    defined = [v for v in values if v is not None]
    top = max(defined + ([target] if target is not None else []) + [0])
    if unit in (units.PERCENT, units.SCORE):
        y_max = 100.0
    elif unit == units.MEAN:
        y_max = 5.0
    elif unit == units.DURATION:
        y_max = _nice_duration(top * 1.1)
    else:
        y_max = _nice_max(top * 1.1)
    n = max(len(values), 1)

    def xy(i, v):
        return LEFT + plot_w * (i + 0.5) / n, TOP + plot_h - plot_h * min(v, y_max) / y_max

    parts = _frame(y_max, unit, labels)
    segment: list[str] = []
    segments = []
    for i, value in enumerate(values):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        x, y = xy(i, value)
        segment.append(f"{x:.1f},{y:.1f}")
    if segment:
        segments.append(segment)
    for points in segments:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{LINE}" stroke-width="1.4"/>')
    if target is not None:
        _, y = xy(0, target)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{TARGET}" '
            'stroke-width="1" stroke-dasharray="4 3"/>'
        )
    if not defined:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" {FONT}>No data this month</text>')
    return _svg(parts)


def bar_chart(labels: list[str], values: list[float]) -> str:
    """Daily volumes as bars."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    y_max = _nice_max(max(values + [0]) * 1.05)
    n = max(len(values), 1)
    parts = _frame(y_max, "", labels)
    width = plot_w / n * 0.7
    for i, value in enumerate(values):
        if not value:
            continue
        h = plot_h * value / y_max
        x = LEFT + plot_w * (i + 0.5) / n - width / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{width:.1f}" height="{h:.1f}" fill="{BAR}"/>'
        )
    return _svg(parts)


def _svg(parts: list[str]) -> str:
    body = "".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="DejaVu Sans, sans-serif">{body}</svg>'
    )
