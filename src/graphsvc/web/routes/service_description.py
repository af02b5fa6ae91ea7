"""The SPARQL 1.1 Service Description answered by a bare GET of ``/sparql``."""

from __future__ import annotations

from fastapi import Request
from fastapi.templating import Jinja2Templates
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD
from starlette.responses import Response

from graphsvc.entailment import ENTAILED_DESCRIPTION, entailed_graph_iri
from graphsvc.errors import NotAcceptable
from graphsvc.formats import GRAPH_ALIASES, negotiate
from graphsvc.service import GraphService

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

RESULT_FORMAT_IRIS = [
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
]
DESCRIPTION_TYPES = {
    "text/html": None,
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


RDFS_ENTAILMENT = URIRef("http://www.w3.org/ns/entailment/RDFS")


def description_graph(service: GraphService, endpoint: str) -> Graph:
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("formats", FORMATS)
    node = URIRef(endpoint + "#service")
    graph.add((node, RDF.type, SD.Service))
    graph.add((node, SD.endpoint, URIRef(endpoint)))
    graph.add((node, SD.supportedLanguage, SD.SPARQL11Query))
    for name in RESULT_FORMAT_IRIS:
        graph.add((node, SD.resultFormat, FORMATS[name]))
    if service.options.allowed_service_iris:
        graph.add((node, SD.feature, SD.BasicFederatedQuery))
    if service.options.union_default_graph:
        # The standard feature IRI: the default graph is the RDF merge of the named graphs.
        graph.add((node, SD.feature, SD.UnionDefaultGraph))
    dataset = BNode()
    graph.add((node, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    # The VoID description (statistics, dumps, licence) of the same dataset.
    void_url = URIRef(endpoint.removesuffix("/sparql") + "/.well-known/void")
    graph.add((dataset, RDFS.seeAlso, void_url))
    graph.add((node, RDFS.seeAlso, void_url))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    default_count = (
        service.triple_count
        if service.options.union_default_graph
        else next((g.triples for g in service.graphs if g.name is None), 0)
    )
    graph.add((default, VOID.triples, Literal(default_count, datatype=XSD.integer)))
    for info in service.graphs:
        if info.name is None:
            continue
        named = BNode()
        contents = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(info.name)))
        graph.add((named, SD.graph, contents))
        graph.add((contents, RDF.type, SD.Graph))
        graph.add((contents, VOID.triples, Literal(info.triples, datatype=XSD.integer)))
        if info.name == entailed_graph_iri(service.options.base_iri):
            # Not asserted by any source: the RDFS closure of the rest (entailment.py).
            graph.add((named, SD.entailmentRegime, RDFS_ENTAILMENT))
            graph.add((contents, DCTERMS.description, Literal(ENTAILED_DESCRIPTION, lang="en")))
    return graph


def service_description(
    request: Request, service: GraphService, templates: Jinja2Templates, endpoint: str
) -> Response:
    accept = request.headers.get("accept")
    format_param = request.query_params.get("format")
    offered = list(DESCRIPTION_TYPES)
    chosen = negotiate(accept, offered, GRAPH_ALIASES)
    if format_param:
        chosen = {
            "html": "text/html",
            "ttl": "text/turtle",
            "jsonld": "application/ld+json",
            "rdf": "application/rdf+xml",
            "nt": "application/n-triples",
        }.get(format_param)
    if chosen is None:
        raise NotAcceptable(
            f"the service description is available as {', '.join(offered)}", offered
        )
    headers = {"Vary": "Accept"}
    if chosen == "text/html":
        return templates.TemplateResponse(
            request,
            "sparql.html",
            {
                "service": service,
                "endpoint": endpoint,
                "union": service.options.union_default_graph,
                "named_graphs": [g for g in service.graphs if g.name is not None],
                "example": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
            },
            headers=headers,
        )
    rdf_format = DESCRIPTION_TYPES[chosen]
    assert rdf_format is not None
    body = description_graph(service, endpoint).serialize(format=rdf_format)
    return Response(body, media_type=f"{chosen}; charset=utf-8", headers=headers)
