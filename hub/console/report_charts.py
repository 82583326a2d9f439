"""Charts of a report as inline SVG drawn by the hub: no CDN, no script, no
chart library. Colours come from ``report-page.css`` classes (the console's CSP
refuses inline styles); every chart has a title for screen readers and its
numbers written next to the bars, so it reads without the table too."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

ROW = 26  # px per bar of a horizontal chart
LABEL_WIDTH = 270
VALUE_WIDTH = 140
LABEL_CHARACTERS = 34  # what fits in LABEL_WIDTH at the stylesheet's 12px
COLUMN_HEIGHT = 150


def _svg(width: int, height: int, title: str, body: list[str], kind: str) -> Markup:
    return Markup(
        f'<svg class="chart chart-{kind}" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _clip(label: str, limit: int = LABEL_CHARACTERS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bars(rows: Sequence[tuple[str, float, str]], *, title: str, width: int = 640) -> Markup:
    """Horizontal bars: (label, value, the value as written) per row, longest = full width."""
    track = width - LABEL_WIDTH - VALUE_WIDTH
    top = max((value for _, value, _ in rows), default=0.0) or 1.0
    body = []
    for index, (label, value, shown) in enumerate(rows):
        y = index * ROW
        length = max(value / top * track, 2.0 if value else 0.0)
        body.append(
            f'<g class="row"><title>{escape(label)}: {escape(shown)}</title>'
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(_clip(label))}</text>"
            f'<rect class="track" x="{LABEL_WIDTH}" y="{y + 5}" width="{track}" height="16" '
            f'rx="3"/>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 5}" width="{length:.1f}" '
            f'height="16" rx="3"/>'
            f'<text class="value" x="{LABEL_WIDTH + track + 8}" y="{y + 17}">'
            f"{escape(shown)}</text></g>")
    return _svg(width, max(len(rows), 1) * ROW + 4, title, body, "bars")


def columns(points: Sequence[tuple[str, int]], *, title: str, width: int = 1280,
            label_every: int = 1) -> Markup:
    """Vertical columns: (label under the column, count) per point; counts are written
    over the columns when they fit, labels every `label_every` columns."""
    if not points:
        return _svg(width, 40, title, [], "columns")
    left, bottom = 30, 22
    step = (width - left) / len(points)
    top = max(count for _, count in points) or 1
    body = [f'<line class="axis" x1="{left}" y1="{COLUMN_HEIGHT}" x2="{width}" '
            f'y2="{COLUMN_HEIGHT}"/>',
            f'<text class="tick" x="{left - 4}" y="14" text-anchor="end">{top}</text>']
    show_values = step >= 18
    for index, (label, count) in enumerate(points):
        x = left + index * step
        height = count / top * (COLUMN_HEIGHT - 20)
        body.append(f'<g class="col"><title>{escape(label)}: {count}</title>'
                    f'<rect class="bar" x="{x + step * 0.15:.1f}" '
                    f'y="{COLUMN_HEIGHT - height:.1f}" width="{step * 0.7:.1f}" '
                    f'height="{height:.1f}" rx="2"/>')
        if show_values and count:
            body.append(f'<text class="value" x="{x + step / 2:.1f}" '
                        f'y="{COLUMN_HEIGHT - height - 4:.1f}" text-anchor="middle">'
                        f"{count}</text>")
        if index % label_every == 0:
            body.append(f'<text class="tick" x="{x + step / 2:.1f}" '
                        f'y="{COLUMN_HEIGHT + 15}" text-anchor="middle">{escape(label)}</text>')
        body.append("</g>")
    return _svg(width, COLUMN_HEIGHT + bottom, title, body, "columns")


def spreads(rows: Sequence[tuple[str, float | None, float | None, str]], *, title: str,
            width: int = 640) -> Markup:
    """Durations per row: a bar to the median and a whisker on to the 90th percentile,
    (label, median, p90, the figures as written); a row with nothing measured is empty."""
    track = width - LABEL_WIDTH - VALUE_WIDTH
    top = max((p90 or 0.0 for _, _, p90, _ in rows), default=0.0) or 1.0
    body = []
    for index, (label, median, p90, shown) in enumerate(rows):
        y = index * ROW
        body.append(f'<g class="row"><title>{escape(label)}: {escape(shown)}</title>'
                    f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + 17}" '
                    f'text-anchor="end">{escape(_clip(label))}</text>'
                    f'<rect class="track" x="{LABEL_WIDTH}" y="{y + 5}" width="{track}" '
                    f'height="16" rx="3"/>')
        if median is not None and p90 is not None:
            to_median = max(median / top * track, 2.0)
            to_p90 = max(p90 / top * track, to_median)
            mid = y + 13
            body.append(
                f'<line class="whisker" x1="{LABEL_WIDTH + to_median:.1f}" y1="{mid}" '
                f'x2="{LABEL_WIDTH + to_p90:.1f}" y2="{mid}"/>'
                f'<line class="whisker" x1="{LABEL_WIDTH + to_p90:.1f}" y1="{y + 7}" '
                f'x2="{LABEL_WIDTH + to_p90:.1f}" y2="{y + 19}"/>'
                f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 5}" width="{to_median:.1f}" '
                f'height="16" rx="3"/>')
        body.append(f'<text class="value" x="{LABEL_WIDTH + track + 8}" y="{y + 17}">'
                    f"{escape(shown)}</text></g>")
    return _svg(width, max(len(rows), 1) * ROW + 4, title, body, "spreads")
