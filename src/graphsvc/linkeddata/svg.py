"""The pictures of graphsvc.linkeddata.charts drawn as SVG, on the server: no script, no CDN.

A bound is drawn as what it says: an exact figure is a dot, an approximate one a ring, a range a
bar with caps, "at least" / "more than" a dashed line open-ended upwards (an arrow to the top of
the panel; filled dot for "at least", ring for "more than"), "up to" a dashed line from zero with
a cap. Every text is escaped; colours and sizes are presentation attributes (no CSS needed).
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from graphsvc.linkeddata.charts import QuantityClaim, TimelineEvent

PALETTE = (
    "#1b6ca8",
    "#d1495b",
    "#2e933c",
    "#8e5ea2",
    "#e07b00",
    "#00798c",
    "#6b4226",
    "#c2185b",
    "#546e7a",
    "#9c8f00",
)
WIDTH = 860
LEFT, RIGHT = 70, 20


class _Scale:
    def __init__(self, lo: float, hi: float, out_lo: float, out_hi: float) -> None:
        self.lo, self.hi, self.out_lo, self.out_hi = lo, hi, out_lo, out_hi

    def __call__(self, x: float) -> float:
        span = (self.hi - self.lo) or 1.0
        return self.out_lo + (x - self.lo) / span * (self.out_hi - self.out_lo)


def _nice_top(value: int) -> int:
    step = 1
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 2.5, 5, 10):
        if step * factor >= value:
            return int(step * factor)
    return value


def _months(first: date, last: date) -> list[date]:
    months = []
    current = date(first.year, first.month, 1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _date_axis(first: date, last: date, x: _Scale, y0: float, y1: float) -> list[str]:
    parts = []
    months = _months(first, last)
    every = max(1, len(months) // 10)
    for number, month in enumerate(months):
        if month < first:
            continue
        px = x(month.toordinal())
        parts.append(
            f'<line x1="{px:.1f}" y1="{y0:.1f}" x2="{px:.1f}" y2="{y1:.1f}" stroke="#e3e3e3"/>'
        )
        if number % every == 0:
            parts.append(
                f'<text x="{px:.1f}" y="{y1 + 14:.1f}" font-size="11" text-anchor="middle" '
                f'fill="#555">{month.strftime("%b %Y")}</text>'
            )
    return parts


def colours(claimants: list[str]) -> dict[str, str]:
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(claimants)}


def _mark(claim: QuantityClaim, px: float, y: _Scale, top: float, colour: str) -> list[str]:
    """The marks of one claim at x = px: what its bound says, drawn as such."""
    parts = []
    tip = escape(
        f"{claim.claimant_label}, stated {claim.stated_latest.isoformat()}: {claim.text} "
        f"({claim.kind}; {claim.status_label})"
    )
    parts.append(f'<g class="claim" data-kind="{escape(claim.kind)}"><title>{tip}</title>')
    kind = claim.kind
    if kind in ("exact", "about"):
        assert claim.value is not None
        cy = y(claim.value)
        fill = colour if kind == "exact" else "white"
        parts.append(
            f'<circle cx="{px:.1f}" cy="{cy:.1f}" r="5" fill="{fill}" stroke="{colour}" '
            'stroke-width="2"/>'
        )
        label_y = cy
    elif kind == "range":
        assert claim.low is not None and claim.high is not None
        ya, yb = y(claim.low), y(claim.high)
        parts.append(
            f'<line x1="{px:.1f}" y1="{ya:.1f}" x2="{px:.1f}" y2="{yb:.1f}" stroke="{colour}" '
            'stroke-width="4"/>'
        )
        for yy in (ya, yb):
            parts.append(
                f'<line x1="{px - 6:.1f}" y1="{yy:.1f}" x2="{px + 6:.1f}" y2="{yy:.1f}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
        label_y = yb
    elif kind in ("at least", "more than"):
        assert claim.low is not None
        ya = y(claim.low)
        parts.append(
            f'<line x1="{px:.1f}" y1="{ya:.1f}" x2="{px:.1f}" y2="{top + 8:.1f}" '
            f'stroke="{colour}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
        parts.append(
            f'<path d="M{px - 5:.1f},{top + 10:.1f} L{px:.1f},{top:.1f} L{px + 5:.1f},'
            f'{top + 10:.1f}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        fill = colour if kind == "at least" else "white"
        parts.append(
            f'<circle cx="{px:.1f}" cy="{ya:.1f}" r="5" fill="{fill}" stroke="{colour}" '
            'stroke-width="2"/>'
        )
        label_y = ya
    else:  # up to
        assert claim.high is not None
        yb, y0 = y(claim.high), y(0)
        parts.append(
            f'<line x1="{px:.1f}" y1="{y0:.1f}" x2="{px:.1f}" y2="{yb:.1f}" stroke="{colour}" '
            'stroke-width="2" stroke-dasharray="5 3"/>'
        )
        parts.append(
            f'<line x1="{px - 6:.1f}" y1="{yb:.1f}" x2="{px + 6:.1f}" y2="{yb:.1f}" '
            f'stroke="{colour}" stroke-width="3"/>'
        )
        label_y = yb
    parts.append(
        f'<text x="{px + 8:.1f}" y="{label_y - 6:.1f}" font-size="11" fill="{colour}">'
        f"{escape(claim.text)}</text>"
    )
    parts.append("</g>")
    return parts


def comparison_svg(
    panels: list[tuple[str, list[QuantityClaim]]], title: str, claimant_order: list[str]
) -> str:
    """One panel per (heading, claims); a shared date axis; one colour per claimant."""
    claims = [c for _, cs in panels for c in cs]
    palette = colours(claimant_order)
    if claims:
        first = min(c.stated_earliest for c in claims) - timedelta(days=20)
        last = max(c.stated_latest for c in claims) + timedelta(days=45)
    else:
        first, last = date(2024, 1, 1), date(2025, 12, 31)
    x = _Scale(first.toordinal(), last.toordinal(), LEFT, WIDTH - RIGHT)
    panel_height, gap = 260, 40
    legend_rows = (len(claimant_order) + 2) // 3
    height = 40 + len(panels) * (panel_height + gap) + legend_rows * 18 + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="chart-title chart-desc" '
        'font-family="system-ui, sans-serif">',
        f'<title id="chart-title">{escape(title)}</title>',
        '<desc id="chart-desc">Each mark is one claim, placed at the day it was stated and at the '
        "number it gives. Dot: exact figure. Ring: approximate figure. Bar with caps: a range. "
        "Dashed line with an arrow upwards: 'at least' (filled dot) or 'more than' (ring), open "
        "ended. Dashed line from zero with a cap: 'up to'.</desc>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>',
    ]
    top_y = 40.0
    for heading, panel_claims in panels:
        top = _nice_top(max((c.top for c in panel_claims), default=10) * 11 // 10 + 1)
        y = _Scale(0, top, top_y + panel_height, top_y + 20)
        out.append(
            f'<text x="{LEFT}" y="{top_y + 8:.1f}" font-size="14" font-weight="600" '
            f'fill="#222">{escape(heading)}</text>'
        )
        out += _date_axis(first, last, x, top_y + 20, top_y + panel_height)
        for tick in range(0, top + 1, max(1, top // 5)):
            ty = y(tick)
            out.append(
                f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" '
                'stroke="#f0f0f0"/>'
            )
            out.append(
                f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" font-size="11" text-anchor="end" '
                f'fill="#555">{tick:,}</text>'
            )
        out.append(
            f'<line x1="{LEFT}" y1="{top_y + panel_height:.1f}" x2="{WIDTH - RIGHT}" '
            f'y2="{top_y + panel_height:.1f}" stroke="#999"/>'
        )
        if not panel_claims:
            out.append(
                f'<text x="{LEFT + 10}" y="{top_y + 60:.1f}" font-size="12" fill="#666">'
                "No claim gives this figure.</text>"
            )
        for claim in panel_claims:
            colour = palette.get(claim.claimant, "#333")
            x0, x1 = x(claim.stated_earliest.toordinal()), x(claim.stated_latest.toordinal())
            if x1 - x0 > 1:
                yy = top_y + panel_height - 4
                out.append(
                    f'<line x1="{x0:.1f}" y1="{yy:.1f}" x2="{x1:.1f}" y2="{yy:.1f}" '
                    f'stroke="{colour}" stroke-width="3" opacity="0.6"/>'
                )
            out += _mark(claim, (x0 + x1) / 2, y, top_y + 20, colour)
        top_y += panel_height + gap
    out.append(
        f'<text x="{LEFT}" y="{top_y:.1f}" font-size="12" fill="#222">Claimants (colour) — '
        "x: day stated; y: number given</text>"
    )
    labels = {c.claimant: c.claimant_label for c in claims}
    for index, claimant in enumerate(claimant_order):
        lx = LEFT + (index % 3) * 260
        ly = top_y + 18 + (index // 3) * 18
        out.append(
            f'<circle cx="{lx + 5}" cy="{ly - 4:.1f}" r="5" fill="{palette[claimant]}"/>'
            f'<text x="{lx + 15}" y="{ly:.1f}" font-size="12" fill="#222">'
            f"{escape(labels.get(claimant, claimant))}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)


def timeline_svg(events: list[TimelineEvent], title: str) -> str:
    """Rows of events: a bar over each event's window, ticks at the days its claims were stated."""
    row_height, top, label_width = 22, 40, 330
    if events:
        first = min(
            [e.earliest for e in events] + [c[2] for e in events for c in e.claims]
        ) - timedelta(days=10)
        last = max([e.latest for e in events] + [c[3] for e in events for c in e.claims]) + (
            timedelta(days=20)
        )
    else:
        first, last = date(2024, 1, 1), date(2025, 12, 31)
    x = _Scale(first.toordinal(), last.toordinal(), label_width, WIDTH - RIGHT)
    height = top + len(events) * row_height + 60
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="timeline-title '
        'timeline-desc" font-family="system-ui, sans-serif">',
        f'<title id="timeline-title">{escape(title)}</title>',
        '<desc id="timeline-desc">One row per event. The bar spans the window in which the event '
        "took place, as the sources date it: dark when the day is known, light when only a wider "
        "window is. Small ticks above the bar are the claims about the event, at the day they "
        "were stated (a short line when only a window is known).</desc>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>',
    ]
    out += _date_axis(first, last, x, top - 10, top + len(events) * row_height)
    for index, event in enumerate(events):
        ry = top + index * row_height
        label = event.label if len(event.label) <= 52 else event.label[:50] + "…"
        out.append(
            f'<text x="4" y="{ry + 14}" font-size="11" fill="#222"><title>{escape(event.label)}'
            f"</title>{escape(label)}</text>"
        )
        x0, x1 = x(event.earliest.toordinal()), x(event.latest.toordinal() + 1)
        exact = event.earliest == event.latest
        out.append(
            f'<g class="event" data-iri="{escape(event.event)}"><title>{escape(event.label)}: '
            f"{event.earliest.isoformat()} to {event.latest.isoformat()}</title>"
            f'<rect x="{x0:.1f}" y="{ry + 8}" width="{max(x1 - x0, 3):.1f}" height="10" '
            f'fill="{"#1b6ca8" if exact else "#9cc3e0"}" stroke="#1b6ca8" stroke-width="0.5"/>'
            "</g>"
        )
        for claim, claim_label, stated_earliest, stated_latest in event.claims:
            c0, c1 = x(stated_earliest.toordinal()), x(stated_latest.toordinal())
            tip = escape(f"{claim_label} (stated {stated_earliest} to {stated_latest})")
            if c1 - c0 > 1:
                shape = (
                    f'<line x1="{c0:.1f}" y1="{ry + 5}" x2="{c1:.1f}" y2="{ry + 5}" '
                    'stroke="#d1495b" stroke-width="2"/>'
                )
            else:
                shape = (
                    f'<line x1="{c0:.1f}" y1="{ry + 1}" x2="{c0:.1f}" y2="{ry + 8}" '
                    'stroke="#d1495b" stroke-width="2"/>'
                )
            out.append(
                f'<g class="claim" data-iri="{escape(claim)}"><title>{tip}</title>{shape}</g>'
            )
    out.append("</svg>")
    return "\n".join(out)
