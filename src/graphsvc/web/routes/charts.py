"""Pictures for people: the comparison of quantity claims and the timeline, as server-drawn SVG.

The drawing lives in graphsvc.linkeddata.charts (pure functions); here the queries run and the
SVG goes into a page, next to a table that lists the same claims in words.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from graphsvc.errors import ParameterError
from graphsvc.linkeddata import charts, svg
from graphsvc.linkeddata.summary import select
from graphsvc.web.deps import IriMapDep, ServiceDep, TemplatesDep

router = APIRouter(tags=["site"])


def _iri(value: str, name: str) -> str:
    try:
        return ox.NamedNode(value).value
    except ValueError:
        raise ParameterError(f"give {name} as an absolute IRI") from None


def compare_href(subject: str, properties: list[str]) -> str:
    return "/compare?" + urlencode([("subject", subject)] + [("property", p) for p in properties])


@router.get("/compare", summary="Quantity claims compared, as a picture", include_in_schema=False)
async def compare(
    request: Request, service: ServiceDep, templates: TemplatesDep, iri_map: IriMapDep
) -> Response:
    subject = _iri(request.query_params.get("subject", charts.DEFAULT_SUBJECT), "subject")
    given = request.query_params.getlist("property")
    properties = tuple(_iri(p, "property") for p in given) or charts.DEFAULT_PROPERTIES
    claims = charts.quantity_claims(
        await select(service, charts.comparison_query(subject, properties))
    )
    labels = {
        row["s"]: row["label"]
        for row in await select(service, charts.labels_of([subject, *properties]))
    }
    subject_label = labels.get(subject, subject)
    panels = [(labels.get(p, p), [c for c in claims if c.prop == p]) for p in properties]
    claimants = list(dict.fromkeys(c.claimant for c in claims))
    title = f"{subject_label}: " + " and ".join(labels.get(p, p) for p in properties)
    picture = svg.comparison_svg(panels, title, claimants)
    return templates.TemplateResponse(
        request,
        "compare.html",
        {
            "title": title,
            "subject": subject,
            "subject_label": subject_label,
            "subject_href": iri_map.href(subject),
            "svg": Markup(picture),  # built by charts, every text in it is escaped
            "panels": panels,
            "claimants": [
                (c, next(x.claimant_label for x in claims if x.claimant == c)) for c in claimants
            ],
            "href": iri_map.href,
        },
    )


@router.get("/timeline", summary="Events and claims over time", include_in_schema=False)
async def timeline(
    request: Request, service: ServiceDep, templates: TemplatesDep, iri_map: IriMapDep
) -> Response:
    events = charts.timeline_events(await select(service, charts.TIMELINE_QUERY))
    title = "Events reported by the sources, and the claims about them, over time"
    picture = svg.timeline_svg(events, title)
    return templates.TemplateResponse(
        request,
        "timeline.html",
        {
            "title": title,
            "svg": Markup(picture),  # built by charts, every text in it is escaped
            "events": events,
            "href": iri_map.href,
            "default_compare": compare_href(
                charts.DEFAULT_SUBJECT, list(charts.DEFAULT_PROPERTIES)
            ),
        },
    )
