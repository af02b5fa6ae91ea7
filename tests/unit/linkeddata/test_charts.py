"""The pure functions of graphsvc.linkeddata.charts and .svg: bounds are drawn as what they say."""

from __future__ import annotations

from datetime import date

from graphsvc.linkeddata import charts
from graphsvc.linkeddata import svg as svg_module


def _claim(**values: object) -> charts.QuantityClaim:
    base: dict[str, object] = {
        "claim": "https://example.org/c",
        "claim_label": "a claim",
        "prop": charts.GS + "killedCount",
        "claimant": "https://example.org/a",
        "claimant_label": "An <agency>",
        "stated_earliest": date(2025, 1, 13),
        "stated_latest": date(2025, 1, 13),
        "text": "x",
        "status_label": "estimated",
    }
    base.update(values)
    return charts.QuantityClaim(**base)  # type: ignore[arg-type]


def test_kinds_follow_the_bounds() -> None:
    assert _claim(value=300).kind == "exact"
    assert _claim(value=300, approximate=True).kind == "about"
    assert _claim(min_inclusive=100).kind == "at least"
    assert _claim(min_exclusive=1000).kind == "more than"
    assert _claim(max_inclusive=10000).kind == "up to"
    assert _claim(min_inclusive=11000, max_inclusive=12000).kind == "range"


def test_the_svg_is_self_contained_and_escaped() -> None:
    claims = [
        _claim(value=300, approximate=True),
        _claim(claim="https://example.org/d", min_inclusive=100, text="at least 100"),
        _claim(claim="https://example.org/e", max_inclusive=10, text="up to <10>"),
        _claim(claim="https://example.org/f", min_inclusive=5, max_inclusive=9),
    ]
    svg = svg_module.comparison_svg(
        [("killed", claims)], "Deaths & <more>", ["https://example.org/a"]
    )
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "<script" not in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "Deaths &amp; &lt;more&gt;" in svg and "An &lt;agency&gt;" in svg
    assert "up to &lt;10&gt;" in svg
    assert svg.count('<g class="claim"') == 4
    assert 'data-kind="at least"' in svg and 'data-kind="range"' in svg


def test_the_timeline_leaves_out_whole_wars_and_keeps_claims() -> None:
    rows = [
        {"event": "e:war", "label": "war", "earliest": "2014-01-01", "latest": "2025-01-19"},
        {
            "event": "e:call",
            "label": "a call",
            "earliest": "2024-12-01",
            "latest": "2024-12-31",
            "claim": "c:1",
            "claimLabel": "one",
            "statedEarliest": "2025-01-13",
            "statedLatest": "2025-01-19",
        },
    ]
    events = charts.timeline_events(rows)
    assert [e.event for e in events] == ["e:call"]
    svg = svg_module.timeline_svg(events, "t")
    assert svg.count('<g class="event"') == 1 and svg.count('<g class="claim"') == 1
