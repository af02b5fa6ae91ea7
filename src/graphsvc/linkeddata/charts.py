"""Pictures of the claims graph: what they show (queries, rows, claims and events). The drawing
itself, as SVG with no script and no CDN, is in graphsvc.linkeddata.svg.

Two pictures:

- a *comparison* of the quantity claims on one subject (for instance North Korean casualties),
  one panel per property (killed; killed or wounded), values over the time they were stated,
  one colour per claimant. A bound is drawn as what it says: an exact figure is a dot, an
  approximate one a ring, a range a bar with caps, "at least" / "more than" a line open-ended
  upwards (an arrow to the top of the panel), "up to" a line from zero with a cap;
- a *timeline* of the events the sources report, each a bar over its uncertainty window (lighter
  when the window is wider than a day), with the claims about each event as ticks at the days
  they were stated (a line over the stated window when the day is not known).

Everything here is pure: the SPARQL texts and the parsing of result rows. The web layer runs
the queries and puts the SVG in a page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

GS = "https://w3id.org/graphsvc/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
# The default comparison: North Korean deaths, with killed-or-wounded totals in their own panel
# (never mixed with death counts).
DEFAULT_SUBJECT = "https://w3id.org/graphsvc/id/event/north-korean-casualties-since-2024"
DEFAULT_PROPERTIES = (GS + "killedCount", GS + "casualtyCount")


@dataclass(frozen=True)
class QuantityClaim:
    claim: str
    claim_label: str
    prop: str
    claimant: str
    claimant_label: str
    stated_earliest: date
    stated_latest: date
    text: str
    status_label: str
    value: int | None = None
    min_inclusive: int | None = None
    min_exclusive: int | None = None
    max_inclusive: int | None = None
    max_exclusive: int | None = None
    approximate: bool = False

    @property
    def low(self) -> int | None:
        found = [v for v in (self.min_inclusive, self.min_exclusive) if v is not None]
        return min(found) if found else None

    @property
    def high(self) -> int | None:
        found = [v for v in (self.max_inclusive, self.max_exclusive) if v is not None]
        return max(found) if found else None

    @property
    def top(self) -> int:
        """The largest number the claim names (to scale the panel)."""
        return max(v for v in (self.value, self.low, self.high, 0) if v is not None)

    @property
    def kind(self) -> str:
        if self.value is not None:
            return "about" if self.approximate else "exact"
        if self.low is not None and self.high is not None:
            return "range"
        if self.low is not None:
            return "at least" if self.min_inclusive is not None else "more than"
        return "up to"


@dataclass(frozen=True)
class TimelineEvent:
    event: str
    label: str
    earliest: date
    latest: date
    claims: list[tuple[str, str, date, date]] = field(default_factory=list)
    """(claim IRI, claim label, stated earliest, stated latest) of the claims about the event."""


def _literal(value: str) -> str:
    return json.dumps(value)


def comparison_query(subject: str, properties: tuple[str, ...]) -> str:
    """Every quantity claim on the subject with one of the properties."""
    props = ", ".join(f"<{p}>" for p in properties)
    return f"""PREFIX gs: <{GS}>
SELECT ?claim ?claimLabel ?property ?claimant ?claimantLabel ?statedEarliest ?statedLatest
       ?text ?statusLabel ?value ?minInclusive ?minExclusive ?maxInclusive ?maxExclusive
       ?approximate
WHERE {{
  ?claim gs:subject <{subject}> ; gs:property ?property ; gs:quantity ?q ;
         gs:claimant ?claimant ; gs:status ?status ;
         gs:statedEarliest ?statedEarliest ; gs:statedLatest ?statedLatest .
  FILTER (?property IN ({props}))
  ?q gs:quantityText ?text .
  OPTIONAL {{ ?q gs:value ?value }}
  OPTIONAL {{ ?q gs:minInclusive ?minInclusive }}
  OPTIONAL {{ ?q gs:minExclusive ?minExclusive }}
  OPTIONAL {{ ?q gs:maxInclusive ?maxInclusive }}
  OPTIONAL {{ ?q gs:maxExclusive ?maxExclusive }}
  OPTIONAL {{ ?q gs:approximate ?approximate }}
  OPTIONAL {{ ?claim <{RDFS_LABEL}> ?claimLabel }}
  OPTIONAL {{ ?claimant <{RDFS_LABEL}> ?claimantLabel }}
  OPTIONAL {{ ?status <{SKOS_PREF}> ?statusLabel }}
}}
ORDER BY ?statedLatest STR(?claimant) STR(?claim)"""


def labels_of(iris: list[str]) -> str:
    values = " ".join(f"<{iri}>" for iri in iris)
    return f"SELECT ?s ?label WHERE {{ VALUES ?s {{ {values} }} ?s <{RDFS_LABEL}> ?label }}"


TIMELINE_QUERY = f"""PREFIX gs: <{GS}>
SELECT ?event ?label ?earliest ?latest ?claim ?claimLabel ?statedEarliest ?statedLatest
WHERE {{
  ?event gs:eventType ?type ; gs:earliestDate ?earliest ; gs:latestDate ?latest .
  FILTER NOT EXISTS {{ ?event a gs:Conflict }}
  OPTIONAL {{ ?event <{RDFS_LABEL}> ?label }}
  OPTIONAL {{
    ?claim gs:aboutEvent ?event ; gs:statedEarliest ?statedEarliest ;
           gs:statedLatest ?statedLatest .
    OPTIONAL {{ ?claim <{RDFS_LABEL}> ?claimLabel }}
  }}
}}
ORDER BY ?earliest ?latest STR(?event) STR(?claim)"""


def _int(row: dict[str, str], key: str) -> int | None:
    return int(row[key]) if key in row else None


def quantity_claims(rows: list[dict[str, str]]) -> list[QuantityClaim]:
    return [
        QuantityClaim(
            claim=row["claim"],
            claim_label=row.get("claimLabel", row["claim"]),
            prop=row["property"],
            claimant=row["claimant"],
            claimant_label=row.get("claimantLabel", row["claimant"]),
            stated_earliest=date.fromisoformat(row["statedEarliest"]),
            stated_latest=date.fromisoformat(row["statedLatest"]),
            text=row["text"],
            status_label=row.get("statusLabel", ""),
            value=_int(row, "value"),
            min_inclusive=_int(row, "minInclusive"),
            min_exclusive=_int(row, "minExclusive"),
            max_inclusive=_int(row, "maxInclusive"),
            max_exclusive=_int(row, "maxExclusive"),
            approximate=row.get("approximate") == "true",
        )
        for row in rows
    ]


def timeline_events(rows: list[dict[str, str]], longest_days: int = 400) -> list[TimelineEvent]:
    """Events with their claims; events whose window is longer than ``longest_days`` (a whole
    war, 'since the beginning') are left out: they would cover the picture."""
    events: dict[str, TimelineEvent] = {}
    for row in rows:
        earliest = date.fromisoformat(row["earliest"])
        latest = date.fromisoformat(row["latest"])
        if (latest - earliest).days > longest_days:
            continue
        event = events.setdefault(
            row["event"],
            TimelineEvent(row["event"], row.get("label", row["event"]), earliest, latest, []),
        )
        if "claim" in row:
            event.claims.append(
                (
                    row["claim"],
                    row.get("claimLabel", row["claim"]),
                    date.fromisoformat(row["statedEarliest"]),
                    date.fromisoformat(row["statedLatest"]),
                )
            )
    return sorted(events.values(), key=lambda e: (e.earliest, e.latest, e.label))
