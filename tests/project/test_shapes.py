"""Each SHACL shape in ontology/shapes.ttl fires on a small negative fixture.

Every fixture in tests/fixtures/shapes/ is validated together with the ontology (class targets
need its rdfs:subClassOf triples) against the project shapes, with the options the project
uses: ``inference="none"``, no advanced features. For each fixture we assert which shapes
fire (``sh:sourceShape``), on which focus node, and a distinctive piece of the message. A last
test checks that no shape of the shapes file is left without a firing fixture.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.namespace import SH

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
GSH = Namespace("https://w3id.org/graphsvc/shapes#")
EX = "https://example.org/fixture/"

# fixture file -> (shape local name, focus node local name, distinctive message fragment)
EXPECTED_RESULTS: dict[str, list[tuple[str, str, str]]] = {
    "claim-missing-parts.ttl": [
        ("ClaimShape", "bare-claim", "exactly one kind of value"),
        ("ClaimShape-claimant", "bare-claim", "exactly one gs:claimant"),
        ("ClaimShape-status", "bare-claim", "exactly one gs:status"),
        ("ClaimShape-reportedIn", "bare-claim", "exactly one gs:reportedIn"),
        ("ClaimShape-identifier", "bare-claim", "afp-2025-01-north-korean-troops.md#26"),
        ("ClaimShape-subject", "bare-claim", "at least one gs:subject"),
        ("ClaimShape-property", "bare-claim", "exactly one gs:property"),
    ],
    "claim-bad-values.ttl": [
        ("ClaimShape", "bad-claim", "not two kinds"),
        ("ClaimShape-claimant", "bad-claim", "an agent"),
        ("ClaimShape-claimantNotSettlement", "bad-claim", "metonyms for governments"),
        ("ClaimShape-claimantNamedAs", "bad-claim", "language-tagged"),
        ("ClaimShape-status", "bad-claim", "gs:ClaimStatusScheme"),
        ("ClaimShape-additionalStatus", "bad-claim", "gs:additionalStatus values"),
        ("ClaimShape-quote", "bad-claim", "verbatim supporting span"),
        ("ClaimShape-reportedIn", "bad-claim", "gs:SourceDocument"),
        ("ClaimShape-identifier", "bad-claim", "own curation record"),
        ("ClaimShape-subject", "bad-claim", "an IRI of a curated resource"),
        ("ClaimShape-property", "bad-claim", "declared in the graphsvc ontology"),
        ("ClaimShape-object", "bad-claim", "gs:object values must be IRIs"),
        ("ClaimShape-objectText", "bad-claim", "gs:objectText is at most one"),
        ("ClaimShape-objectValue", "bad-claim", "typed literal"),
        ("ClaimShape-quantity", "bad-claim", "gs:QuantityEstimate node"),
        ("ClaimShape-aboutEvent", "bad-claim", "must point to a gs:Event"),
        ("ClaimShape-inferredFrom", "bad-claim", "inference was drawn from"),
        ("ClaimShape-beneficiary", "bad-claim", "gs:beneficiary must be an agent"),
    ],
    "time-bounds.ttl": [
        ("TemporalShape-timeText", "badly-typed-event", "time words of the text"),
        ("TemporalShape-earliestDate", "badly-typed-event", "never xsd:gYear"),
        ("TemporalShape-latestDate", "badly-typed-event", "never xsd:gYear"),
        ("DatedNeedsPrecisionShape-timePrecision", "badly-typed-event", "gs:timePrecision"),
        ("EarliestNotAfterLatestShape", "inverted-event", "earliestDate 2024-12-31 is after"),
        ("EarliestNotAfterLatestShape", "inverted-holding", "asOfEarliest 2025-01-19 is after"),
        ("EarliestNotAfterLatestShape", "doc", "publishedEarliest 2025-01-19 is after"),
    ],
    "date-after-source.ttl": [
        ("DateNotAfterSourceShape", "late-claim", "latestDate 2025-02-01, after the latest"),
        ("DateNotAfterSourceShape", "late-event", "earliestDate 2025-03-01, after the latest"),
    ],
    "quantities.ttl": [
        ("QuantityEstimateShape", "empty-quantity", "gives no number"),
        ("QuantityEstimateShape-approximate", "empty-quantity", "gs:approximate boolean"),
        ("QuantityEstimateShape-quantityText", "empty-quantity", "as worded in the text"),
        ("QuantityEstimateShape-countedThing", "empty-quantity", "gs:countedThing concept"),
        ("QuantityEstimateShape-value", "bad-numbers", "non-negative xsd:integer (a head"),
        ("QuantityEstimateShape-minExclusive", "bad-numbers", "'more than N'"),
        ("QuantityEstimateShape-minInclusive", "bad-numbers", "not above gs:maxInclusive"),
        ("QuantityEstimateShape-maxExclusive", "bad-numbers", "'fewer than N'"),
        ("QuantityEstimateShape-approximate", "bad-numbers", "gs:approximate boolean"),
        ("QuantityEstimateShape-quantityText", "bad-numbers", "as worded in the text"),
        ("QuantityEstimateShape-countedThing", "bad-numbers", "gs:countedThing concept"),
        ("QuantityEstimateShape-maxInclusive", "negative-maximum", "'at most N'"),
    ],
    "links.ttl": [
        ("WikidataLinkShape-wikidata", "state-bad-link", "http://www.wikidata.org/entity/Q123"),
        ("WikidataLinkShape-linkStatus", "state-bad-link", "gs:linkStatus gs:Verified"),
        ("GeoNamesLinkShape-geonamesId", "state-bad-link", "plain numeric string"),
        ("GeoNamesLinkShape-geonames", "state-bad-link", "https://sws.geonames.org/<the same id>/"),
        ("GeoNamesLinkShape-geonamesLinkStatus", "state-bad-link", "gs:geonamesLinkStatus"),
        ("NoSameAsShape-sameAs", "state-bad-link", "owl:sameAs is not allowed"),
        ("StateShape-linkStatus", "state-no-status", "Every state must say"),
        ("PersonShape-linkStatus", "person-no-status", "Every person must say"),
        ("AgentShape-linkStatus", "agent-bad-status", "gs:LinkStatus concept"),
        ("CollectiveShape-wikidata", "the-west", "no fixed membership"),
        ("RegionShape-linkStatus", "region-no-status", "geographic region must say"),
    ],
    "sources.ttl": [
        ("SourceDocumentShape-publishedEarliest", "bad-doc", "gs:publishedEarliest is at most"),
        ("SourceDocumentShape-publishedLatest", "bad-doc", "gs:publishedLatest is at most"),
        ("SourceDocumentShape-copyOf", "bad-doc", "prov:wasDerivedFrom"),
        ("SourceDocumentShape-localCopy", "bad-doc", "data/sources/<slug>.txt"),
        ("SourceDocumentShape-headline", "bad-doc", "schema:headline"),
        ("LocalCopyShape-sha256", "bad-doc", "gs:sha256"),
        ("PhotographShape-dateCreated", "photo-released-before-taken", "not after its"),
        ("PhotographShape-datePublished", "photo-bad-fields", "the release date"),
        ("PhotographShape-creator", "photo-bad-fields", "schema:creator"),
        ("PhotographShape-creditText", "photo-bad-fields", "credit line"),
    ],
    "agents-and-roles.ttl": [
        ("OrganizationShape-subOrganizationOf", "org-bad", "gs:subOrganizationOf"),
        ("OrganizationShape-country", "org-bad", "gs:country is at most one gs:State"),
        ("MilitaryUnitShape-country", "unit-no-country", "whose force it is"),
        ("PostShape-postIn", "post-nowhere", "exactly one gs:postIn"),
        ("RoleHoldingShape-holder", "holding-bad", "exactly one gs:holder"),
        ("RoleHoldingShape-post", "holding-bad", "exactly one gs:post"),
        ("RoleHoldingShape-reportedIn", "holding-bad", "needs gs:reportedIn"),
        ("RoleHoldingShape-dates", "holding-bad", "xsd:date dates"),
        ("RoleHoldingOrderShape", "holding-inverted", "ends (2021-01-20) before it starts"),
    ],
    "places-agreements.ttl": [
        ("PlaceShape-locatedIn", "place-in-person", "gs:locatedIn must point to a gs:Place"),
        ("AdministrativeRegionShape-country", "region-no-country", "exactly one gs:country"),
        ("SettlementShape-locatedIn", "town-nowhere", "region or state it lies in"),
        ("AgreementShape-party", "one-party-pact", "at least two gs:party"),
        ("AgreementShape-hasClause", "one-party-pact", "gs:Clause nodes"),
        ("AgreementShape-signedOn", "one-party-pact", "may not be after gs:inForceFrom"),
        ("ClauseShape-obligationText", "empty-clause", "gs:obligationText"),
        ("ClauseShape-obligationType", "empty-clause", "gs:ObligationType concept"),
        ("PolicyShape-country", "stateless-policy", "whose policy it is"),
    ],
    "events.ttl": [
        ("EventShape-eventType", "untyped-event", "exactly one gs:eventType"),
        ("EventShape-participant", "untyped-event", "must be agents"),
        ("EventShape-location", "untyped-event", "gs:location must point to a gs:Place"),
        ("EventShape-partOf", "untyped-event", "larger gs:Event"),
        ("EventShape-reportedIn", "untyped-event", "at most one gs:SourceDocument"),
        ("ConflictShape-participant", "one-sided-war", "warring parties"),
        ("DeploymentShape-participant", "lonely-deployment", "sending and the receiving"),
        ("DeploymentShape-location", "lonely-deployment", "where the troops were sent"),
        ("CombatEventShape-participant", "stateful-combat", "must be forces"),
        ("CasualtyEventShape-participant", "nobody-casualties", "killed or wounded"),
        ("CaptureShape-participant", "one-sided-capture", "the capturing force"),
        ("CommunicationShape-participant", "silent-communication", "who spoke"),
        ("PolicyChangeShape-participant", "nobody-policy-change", "changed the policy"),
        ("ImpeachmentShape-participant", "state-impeachment", "the impeached person"),
        ("RatificationShape-concerns", "ratification-of-nothing", "gs:Agreement ratified"),
    ],
    "vocabularies.ttl": [
        ("LabelShape-label", "bare-concept", "rdfs:label"),
        ("ConceptShape-prefLabel", "bare-concept", "English skos:prefLabel"),
        ("ConceptShape-inScheme", "bare-concept", "exactly one skos:inScheme"),
        ("ClaimStatusShape-inScheme", "status-wrong-scheme", "in gs:ClaimStatusScheme"),
        ("EventTypeShape-inScheme", "event-type-wrong", "in gs:EventTypeScheme"),
        ("EventTypeShape-cameoCode", "event-type-wrong", "CAMEO code of 2 to 4 digits"),
        ("TimePrecisionShape-inScheme", "precision-wrong", "in gs:TimePrecisionScheme"),
        ("LinkStatusShape-inScheme", "link-status-wrong", "in gs:LinkStatusScheme"),
        ("ObligationTypeShape-inScheme", "obligation-wrong", "in gs:ObligationTypeScheme"),
        ("CountedThingShape-inScheme", "counted-wrong", "in gs:CountedThingScheme"),
    ],
    "claims-graph.ttl": [
        ("ClaimShape-statedEarliest", "claim-no-stated-date", "exactly one gs:statedEarliest"),
        ("ClaimShape-statedEarliest", "claim-two-stated-dates", "exactly one gs:statedEarliest"),
        ("ClaimShape-statedLatest", "claim-two-stated-dates", "exactly one gs:statedLatest"),
        ("ClaimShape-relayedBy", "claim-no-stated-date", "must be an agent"),
        ("ClaimShape-revises", "claim-no-stated-date", "earlier gs:Claim"),
        ("ClaimShape-overtakes", "claim-no-stated-date", "earlier gs:Claim"),
        ("ClaimShape-paraphrase", "claim-quotes-without-copy", "project's own words"),
        ("ClaimShape-quotedWords", "claim-quotes-without-copy", "at most 60 characters"),
        ("ClaimWordingShape", "claim-needs-quote", "needs a verbatim gs:quote"),
        ("ClaimWordingShape", "claim-quotes-without-copy", "cannot carry a gs:quote"),
        ("ClaimWordingShape", "claim-without-paraphrase", "needs a gs:paraphrase"),
        ("NegativeStatementShape", "positive-property-negative-status", "negative property"),
        ("NegativeStatementShape", "negative-property-positive-status", "negative property"),
        ("RevisionShape", "revision-by-another-side", "not the same speaking side"),
        ("RevisionShape", "revision-by-another-side", "stated before the revised one"),
        ("DisagreementShape-involvesClaim", "empty-disagreement", "gs:involvesClaim"),
        ("DisagreementShape-identifier", "empty-disagreement", "data/curation/disagreements.md"),
        ("ActsForShape-actsFor", "spokesman", "never a city"),
        ("ReportingSourceShape", "addressless-doc", "gs:addressUnknown true"),
        ("ReportingSourceShape-reliability", "nowhere-doc", "exactly one gs:reliability"),
        ("ReportingSourceShape-url", "nowhere-doc", "http(s) address"),
    ],
    "ontology-terms.ttl": [
        ("OntologyPropertyShape-comment", "undocumentedProperty", "rdfs:comment"),
        ("OntologyPropertyShape-domain", "undocumentedProperty", "rdfs:domain"),
        ("OntologyPropertyShape-range", "undocumentedProperty", "rdfs:range"),
        ("OntologyClassShape-comment", "UndocumentedClass", "rdfs:comment"),
        ("LabelShape-label", "UndocumentedClass", "rdfs:label"),
    ],
}

# Shapes used only inside sh:xone / sh:or / sh:not: they never report results themselves.
HELPER_SHAPES = {
    "HasObject",
    "HasObject-object",
    "HasObjectText",
    "HasObjectText-objectText",
    "HasObjectValue",
    "HasObjectValue-objectValue",
    "HasQuantity",
    "HasQuantity-quantity",
    "IsObjectProperty",
    "IsDatatypeProperty",
    "IsSettlement",
    "HasUrl",
    "HasUrl-url",
    "HasAddressUnknown",
    "HasAddressUnknown-addressUnknown",
    "IsProjectNotes",
    "IsProjectNotes-reliability",
}

Result = tuple[str, str, str]


@cache
def _shapes() -> Graph:
    return Graph().parse(ROOT / "ontology" / "shapes.ttl", format="turtle")


@cache
def _results(fixture: str) -> tuple[bool, frozenset[Result]]:
    """Validate ontology + fixture; return (conforms, {(shape, focus, message)})."""
    data = Graph()
    data.parse(ROOT / "ontology" / "graphsvc.ttl", format="turtle")
    data.parse(FIXTURES / fixture, format="turtle")
    conforms, report, _ = pyshacl.validate(data, shacl_graph=_shapes(), inference="none")
    found: set[Result] = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = str(report.value(result, SH.sourceShape))
        focus = str(report.value(result, SH.focusNode))
        message = str(report.value(result, SH.resultMessage))
        found.add((shape.removeprefix(str(GSH)), focus.removeprefix(EX), message))
    return bool(conforms), frozenset(found)


def _named_shapes() -> set[str]:
    shapes = _shapes()
    names: set[str] = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            assert isinstance(shape, URIRef), "every shape must have an IRI"
            names.add(str(shape).removeprefix(str(GSH)))
    return names


def test_fixture_folder_matches_expectations() -> None:
    on_disk = {p.name for p in FIXTURES.glob("*.ttl")}
    assert on_disk == set(EXPECTED_RESULTS)


@pytest.mark.parametrize("fixture", sorted(EXPECTED_RESULTS))
def test_fixture_fires_expected_shapes(fixture: str) -> None:
    conforms, found = _results(fixture)
    assert not conforms, f"{fixture} should not conform"
    missing = [
        (shape, focus, fragment)
        for shape, focus, fragment in EXPECTED_RESULTS[fixture]
        if not any(s == shape and f == focus and fragment in message for s, f, message in found)
    ]
    assert not missing, f"{fixture}: expected results not reported: {missing}"


def test_every_shape_is_named_in_the_gsh_namespace() -> None:
    shapes = _shapes()
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            assert isinstance(shape, URIRef) and str(shape).startswith(str(GSH)), shape
            assert shapes.value(shape, SH.message) is not None, f"{shape} has no sh:message"


def test_every_shape_has_a_firing_fixture() -> None:
    fired = {shape for fixture in EXPECTED_RESULTS for shape, _, _ in EXPECTED_RESULTS[fixture]}
    shapes = _shapes()
    not_constraints = {
        SH.property,
        SH.message,
        SH.targetClass,
        SH.targetNode,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.name,
        SH.description,
        SH.severity,
        SH.path,
    }
    uncovered = []
    for name in sorted(_named_shapes() - HELPER_SHAPES):
        shape = GSH[name]
        has_own_constraints = any(
            str(p).startswith(str(SH)) and p not in not_constraints
            for p in shapes.predicates(shape, None)
        )
        if has_own_constraints:
            covered = name in fired
        else:  # only sh:property constraints: covered by any of its property shapes
            covered = any(
                str(p).removeprefix(str(GSH)) in fired for p in shapes.objects(shape, SH.property)
            )
        if not covered:
            uncovered.append(name)
    assert not uncovered, f"shapes without a negative fixture: {uncovered}"


def test_sparql_messages_are_templated() -> None:
    """SPARQL-based messages show the offending values, not the raw {?var} placeholders."""
    _, found = _results("date-after-source.ttl")
    messages = [m for s, _, m in found if s == "DateNotAfterSourceShape"]
    assert messages
    assert all("{?" not in m and "{$" not in m for m in messages)
    assert any("2025-01-19" in m for m in messages)
