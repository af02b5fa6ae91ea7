"""What the query editor completes: the prefixes the data use, the classes and properties of the
ontology with their labels, and the data's resources by label.

Computed once per loaded version of the data, by queries through ``service.run`` (the parent
never touches the store), and kept in ``service.extensions``: a ``--reload`` that swaps in a new
version brings a new service, and so new completions.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from graphsvc.linkeddata.summary import select
from graphsvc.namespaces import PREFIXES
from graphsvc.service import GraphService

RDFS = PREFIXES["rdfs"]
SKOS = PREFIXES["skos"]
OWL = PREFIXES["owl"]
RDF = PREFIXES["rdf"]
# Offered even when no term of the data is in them: queries use them for types and casts.
ALWAYS_OFFERED = ("rdf", "rdfs", "xsd", "owl")
# Past this, resources are still completed, but only the first ones by label order.
MAX_RESOURCES = 50_000
# The ASCII subset of SPARQL's PN_LOCAL: an IRI whose local part is anything else (a '/', a
# non-ASCII letter...) is written as <IRI>, which is always valid, rather than escaped.
_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")

_LABEL = (
    f"OPTIONAL {{ ?x <{RDFS}label>|<{SKOS}prefLabel> ?l "
    'FILTER(lang(?l) = "" || langMatches(lang(?l), "en")) }'
)
CLASSES_QUERY = (
    "SELECT ?x (SAMPLE(?l) AS ?label) WHERE { "
    f"{{ ?x a <{OWL}Class> }} UNION {{ ?x a <{RDFS}Class> }} UNION "
    "{ SELECT DISTINCT ?x WHERE { ?s a ?x } } "
    f"FILTER(isIRI(?x)) {_LABEL} }} GROUP BY ?x"
)
PROPERTIES_QUERY = (
    "SELECT ?x (SAMPLE(?l) AS ?label) WHERE { "
    f"{{ ?x a <{OWL}ObjectProperty> }} UNION {{ ?x a <{OWL}DatatypeProperty> }} UNION "
    f"{{ ?x a <{OWL}AnnotationProperty> }} UNION {{ ?x a <{RDF}Property> }} UNION "
    "{ SELECT DISTINCT ?x WHERE { ?s ?x ?o } } "
    f"FILTER(isIRI(?x)) {_LABEL} }} GROUP BY ?x"
)
# No GROUP BY or ORDER BY: with a bare LIMIT an engine can stop reading early, so a large graph
# costs this query no more than its first labels (a resource with two labels is kept once).
RESOURCES_QUERY = (
    f"SELECT ?x ?label WHERE {{ ?x <{RDFS}label>|<{SKOS}prefLabel> ?label "
    'FILTER(isIRI(?x) && (lang(?label) = "" || langMatches(lang(?label), "en"))) } '
    f"LIMIT {2 * MAX_RESOURCES}"
)


@dataclass(frozen=True)
class Term:
    iri: str
    label: str | None
    kind: str
    """class, property or resource"""
    prefixed: str | None
    """The prefixed name to write in a query, when the IRI has a valid one."""

    def to_json(self) -> dict[str, str | None]:
        return {"iri": self.iri, "label": self.label, "kind": self.kind, "prefixed": self.prefixed}


def prefixed_name(iri: str, prefixes: dict[str, str]) -> str | None:
    """``gs:Claim`` for an IRI in a known namespace whose local part SPARQL accepts as it is.

    >>> prefixed_name("https://example.org/o#Claim", {"o": "https://example.org/o#"})
    'o:Claim'
    >>> prefixed_name("https://example.org/id/state/x", {"id": "https://example.org/id/"})
    """
    # Longest namespace first, so that a namespace inside another one wins.
    for prefix, namespace in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            return f"{prefix}:{local}" if local and _LOCAL.match(local) else None
    return None


def used_prefixes(iris: Iterable[str], prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes whose namespace holds at least one of ``iris``, and the usual few."""
    namespaces = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
    used = set(ALWAYS_OFFERED) & set(prefixes)
    for iri in iris:
        for prefix, namespace in namespaces:
            if iri.startswith(namespace):
                used.add(prefix)
                break
    return {p: prefixes[p] for p in sorted(used)}


def fold(text: str) -> str:
    """Text for matching what someone types: lower case, accents and punctuation ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.split())


@dataclass
class Completions:
    prefixes: dict[str, str]
    classes: list[Term]
    properties: list[Term]
    resources: list[Term]
    resources_truncated: bool

    def __post_init__(self) -> None:
        self._folded = [(fold(t.label or ""), t) for t in self.resources]

    def vocabulary_json(self) -> dict[str, object]:
        return {
            "prefixes": self.prefixes,
            "classes": [t.to_json() for t in self.classes],
            "properties": [t.to_json() for t in self.properties],
            "resources": len(self.resources),
            "resources_truncated": self.resources_truncated,
        }

    def search(self, text: str, limit: int = 30) -> list[Term]:
        """Resources whose label matches ``text``: whole-label prefix first, then a word's
        prefix, then anywhere; shorter labels first within each."""
        wanted = fold(text)
        if not wanted:
            return []
        ranked: list[tuple[int, int, str, Term]] = []
        for folded, term in self._folded:
            if folded.startswith(wanted):
                rank = 0
            elif f" {wanted}" in f" {folded}":
                rank = 1
            elif wanted in folded:
                rank = 2
            else:
                continue
            ranked.append((rank, len(folded), folded, term))
        ranked.sort(key=lambda r: r[:3])
        return [r[3] for r in ranked[:limit]]


def _terms(rows: list[dict[str, str]], kind: str, prefixes: dict[str, str]) -> list[Term]:
    terms = [
        Term(r["x"], r.get("label"), kind, prefixed_name(r["x"], prefixes)) for r in rows
    ]
    return sorted(terms, key=lambda t: (t.prefixed or t.iri).casefold())


async def compute(service: GraphService) -> Completions:
    prefixes = service.prefixes
    classes = _terms(await select(service, CLASSES_QUERY), "class", prefixes)
    properties = _terms(await select(service, PROPERTIES_QUERY), "property", prefixes)
    vocabulary = {t.iri for t in [*classes, *properties]}
    found = await select(service, RESOURCES_QUERY)
    first: dict[str, dict[str, str]] = {}
    for row in found:
        first.setdefault(row["x"], row)
    first_labels = list(first.values())
    truncated = len(found) >= 2 * MAX_RESOURCES or len(first_labels) > MAX_RESOURCES
    resources = [
        t
        for t in _terms(first_labels[:MAX_RESOURCES], "resource", prefixes)
        if t.iri not in vocabulary
    ]
    iris = [t.iri for t in [*classes, *properties, *resources]]
    return Completions(
        used_prefixes(iris, prefixes), classes, properties, resources, truncated
    )


class CompletionState:
    """The completions of one service, computed on first use and then kept."""

    def __init__(self, service: GraphService) -> None:
        self.service = service
        self._lock = asyncio.Lock()
        self._done: Completions | None = None

    async def get(self) -> Completions:
        if self._done is None:
            async with self._lock:
                if self._done is None:
                    self._done = await compute(self.service)
        return self._done


def completion_state(service: GraphService) -> CompletionState:
    state = service.extensions.get("completion")
    if not isinstance(state, CompletionState):
        state = CompletionState(service)
        service.extensions["completion"] = state
    return state
