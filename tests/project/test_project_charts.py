"""The comparison picture and the timeline, served from the project's own data through the app in
process: server-drawn SVG inside accessible pages, linked from the home page and from every claim
page."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from httpx import Client

from tests.ldsupport import check_page
from tests.web.test_linkeddata_site import html

NIS = "https://w3id.org/graphsvc/id/organization/national-intelligence-service"


def test_the_deaths_comparison_shows_every_claimant_with_bounds(project_app: Client) -> None:
    text = html(project_app, "/compare")
    page = check_page(text)
    assert "<script" not in text
    svg = re.search(r"<svg .*?</svg>", text, re.S)
    assert svg, "the picture is inline SVG"
    legend = re.findall(r'<circle cx="\d+" cy="[\d.]+" r="5" fill="#[0-9a-f]{6}"/><text', svg[0])
    assert len(legend) >= 4, "at least four claimants"
    kinds = set(re.findall(r'data-kind="([^"]+)"', svg[0]))
    assert {"exact", "about", "at least", "more than"} <= kinds
    for claimant in ("National Intelligence Service", "Volodymyr Zelensky", "South Korea"):
        assert claimant in page.visible_text
    # the NIS's death figures in the order stated, in words too
    deaths = page.visible_text.split("killed count")[1]
    order = [deaths.index(f) for f in ("at least 100", "around 300", "600", "about 2,000")]
    assert order == sorted(order)
    assert "/timeline" in [href for href, _ in page.links]


def test_a_comparison_for_any_subject_and_property(project_app: Client) -> None:
    query = urlencode(
        {
            "subject": "https://w3id.org/graphsvc/id/event/north-korean-troop-deployment-to-russia",
            "property": "https://w3id.org/graphsvc/ontology#troopCount",
        }
    )
    page = check_page(html(project_app, f"/compare?{query}"))
    assert "11,000\u201312,000" in page.visible_text and "more than 10,000" in page.visible_text
    bad = project_app.get("/compare?subject=not%20an%20iri")
    assert bad.status_code == 400


def test_the_timeline_draws_events_and_claims(project_app: Client) -> None:
    text = html(project_app, "/timeline")
    page = check_page(text)
    assert "<script" not in text
    svg = re.search(r"<svg .*?</svg>", text, re.S)
    assert svg
    assert len(re.findall(r'<g class="event"', svg[0])) >= 20
    assert len(re.findall(r'<g class="claim"', svg[0])) >= 50
    assert "Gerasimov's video report to Putin on Kursk" in page.visible_text


def test_the_pictures_are_linked_from_home_and_claim_pages(project_app: Client) -> None:
    home = check_page(html(project_app, "/"))
    hrefs = [href for href, _ in home.links]
    assert "/compare" in hrefs and "/timeline" in hrefs
    claim = check_page(html(project_app, "/id/claim/s09-1-nis-at-least-100-killed"))
    links = [href for href, _ in claim.links]
    assert "/timeline" in links
    compare = [h for h in links if h.startswith("/compare?")]
    assert compare
    assert "National Intelligence Service" in html(project_app, compare[0])


def test_a_claim_page_shows_paraphrase_relay_and_stated_date(project_app: Client) -> None:
    page = check_page(html(project_app, "/id/claim/s09-1-nis-at-least-100-killed"))
    text = page.visible_text
    assert "In the project's words" in text
    assert "Relayed by Lee Seong-kweun" in text
    assert "Stated 2024-12-19" in text
