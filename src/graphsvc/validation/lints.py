"""Checks beyond SHACL, each with a stable rule id (see docs/validate.md).

They read the parsed files directly (pyoxigraph quads plus the source map), so every finding
points at the exact line of the triple at fault.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.term import BNode, Literal, Node, URIRef

from graphsvc.validation import literals
from graphsvc.validation.findings import Finding, LoadedFile, Locator, Severity, bnode_id, n3
from graphsvc.validation.positions import term_key

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LABEL_PREDICATES = (
    RDFS + "label",
    SKOS + "prefLabel",
    SKOS + "altLabel",
    "http://purl.org/dc/terms/title",
)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class LintContext:
    files: Sequence[LoadedFile]
    locator: Locator
    vocab_namespaces: Sequence[str]
    """Namespaces whose terms the ontology must define (by default the gs: namespace)."""
    data_namespace: str
    """Where the data's resources live (``<base>id/``): links into it must resolve."""
    project_namespace: str
    """IRIs under it are the project's own: their labels must be in English."""
    prefixes: dict[str, str]

    def term(self, node: Node | None) -> str:
        return n3(node, self.prefixes) or ""


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    check: Callable[[LintContext], Iterator[Finding]]


def to_node(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, index: int) -> Node:
    """The rdflib term for a pyoxigraph term read from file number ``index``."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(bnode_id(index, term.value))
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValueError("RDF 1.2 triple terms are not supported by validation")


def _finding(
    ctx: LintContext, loaded: LoadedFile, quad: ox.Quad, rule: Rule, message: str, **extra: Node
) -> Finding:
    keys = term_key(quad.subject), term_key(quad.predicate), term_key(quad.object)
    where = ctx.locator.triple(loaded, *keys)
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        message=message,
        focus=to_node(quad.subject, loaded.index),
        path=URIRef(quad.predicate.value),
        value=extra.get("value", to_node(quad.object, loaded.index)),
        shape=URIRef(f"{LINT_NAMESPACE}{rule.id}"),
        component=URIRef(f"{LINT_NAMESPACE}{rule.id}"),
    ).at(loaded.display, where)


def _suggest(word: str, candidates: Sequence[str], ctx: LintContext, namespace: str) -> str:
    """The closest candidate, judged on what follows the shared namespace (a typo's signature)."""
    local = word.removeprefix(namespace)
    by_local = {c.removeprefix(namespace): c for c in candidates if c != word}
    close = difflib.get_close_matches(local, list(by_local), n=1, cutoff=0.8)
    return f" (did you mean {ctx.term(URIRef(by_local[close[0]]))}?)" if close else ""


def unknown_terms(ctx: LintContext) -> Iterator[Finding]:
    defined = {
        subject for loaded in ctx.files if loaded.role == "ontology" for subject in loaded.subjects
    }
    namespaces = [ns for ns in ctx.vocab_namespaces if any(d.startswith(ns) for d in defined)]
    if not namespaces:
        return
    known = sorted(d for d in defined if d.startswith(tuple(namespaces)))
    for loaded in ctx.files:
        reported: set[str] = set()
        for quad in loaded.quads:
            for term in (quad.subject, quad.predicate, quad.object):
                if not isinstance(term, ox.NamedNode):
                    continue
                iri = term.value
                if iri in reported or iri in defined or not iri.startswith(tuple(namespaces)):
                    continue
                if iri in namespaces:
                    continue
                reported.add(iri)
                role = "property" if term == quad.predicate else "term"
                if term == quad.object and quad.predicate.value.endswith("#type"):
                    role = "class"
                yield _finding(
                    ctx,
                    loaded,
                    quad,
                    UNKNOWN_TERM,
                    f"{ctx.term(URIRef(iri))} is not a {role} the ontology defines"
                    + _suggest(iri, known, ctx, next(n for n in namespaces if iri.startswith(n))),
                    value=URIRef(iri),
                )


def dangling_links(ctx: LintContext) -> Iterator[Finding]:
    described = {s for loaded in ctx.files for s in loaded.subjects}
    candidates = sorted(s for s in described if s.startswith(ctx.data_namespace))
    for loaded in ctx.files:
        if loaded.role == "shapes":
            continue
        reported: set[str] = set()
        for quad in loaded.quads:
            obj = quad.object
            if not isinstance(obj, ox.NamedNode) or not obj.value.startswith(ctx.data_namespace):
                continue
            if obj.value in described or obj.value in reported:
                continue
            reported.add(obj.value)
            yield _finding(
                ctx,
                loaded,
                quad,
                DANGLING_LINK,
                f"{ctx.term(URIRef(obj.value))} is linked to but never described"
                + _suggest(obj.value, candidates, ctx, ctx.data_namespace),
            )


def invalid_literals(ctx: LintContext) -> Iterator[Finding]:
    for loaded in ctx.files:
        for quad in loaded.quads:
            obj = quad.object
            if not isinstance(obj, ox.Literal) or obj.language:
                continue
            why = literals.problem(obj.value, obj.datatype.value)
            if why is not None:
                yield _finding(ctx, loaded, quad, INVALID_LITERAL, f"invalid literal: {why}")


def _is_english(tag: str | None) -> bool:
    return tag is not None and tag.lower().split("-")[0] == "en"


def label_languages(ctx: LintContext) -> Iterator[Finding]:
    owned = (ctx.project_namespace, *ctx.vocab_namespaces, ctx.data_namespace)
    for loaded in ctx.files:
        english: dict[tuple[str, str], bool] = {}
        first: dict[tuple[str, str], ox.Quad] = {}
        for quad in loaded.quads:
            if quad.predicate.value not in LABEL_PREDICATES:
                continue
            subject = quad.subject
            if not isinstance(subject, ox.NamedNode) or not subject.value.startswith(owned):
                continue
            obj = quad.object
            if not isinstance(obj, ox.Literal):
                continue
            if obj.language is None and obj.datatype.value == XSD_STRING:
                yield _finding(
                    ctx,
                    loaded,
                    quad,
                    LABEL_LANGUAGE,
                    f"{ctx.term(URIRef(quad.predicate.value))} has no language tag: "
                    "English labels are required (add @en)",
                )
                english[(subject.value, quad.predicate.value)] = True
                continue
            key = (subject.value, quad.predicate.value)
            first.setdefault(key, quad)
            english[key] = english.get(key, False) or _is_english(obj.language)
        for key, has_english in english.items():
            if not has_english and key in first:
                quad = first[key]
                yield _finding(
                    ctx,
                    loaded,
                    quad,
                    LABEL_LANGUAGE,
                    f"{ctx.term(URIRef(key[0]))} has no English {ctx.term(URIRef(key[1]))} "
                    "(add one tagged @en)",
                )


def duplicate_subjects(ctx: LintContext) -> Iterator[Finding]:
    first_file: dict[str, LoadedFile] = {}
    for loaded in ctx.files:
        if loaded.role == "shapes":
            continue
        for subject in sorted(loaded.subjects):
            if subject.startswith("_:"):
                continue
            owner = first_file.setdefault(subject, loaded)
            if owner is loaded:
                continue
            where = loaded.smap.subject(subject)
            there = owner.smap.subject(subject)
            place = f"{owner.display}:{there.line}" if there else owner.display
            yield Finding(
                rule=DUPLICATE_SUBJECT.id,
                severity=DUPLICATE_SUBJECT.severity,
                message=f"{ctx.term(URIRef(subject))} is also described in {place}: "
                "describe each subject in one file",
                focus=URIRef(subject),
                shape=URIRef(f"{LINT_NAMESPACE}{DUPLICATE_SUBJECT.id}"),
                component=URIRef(f"{LINT_NAMESPACE}{DUPLICATE_SUBJECT.id}"),
            ).at(loaded.display, where)


LINT_NAMESPACE = "https://w3id.org/graphsvc/validation#"
UNKNOWN_TERM = Rule(
    "unknown-term",
    Severity.VIOLATION,
    "a class or property in the project's namespace that the ontology does not define",
    unknown_terms,
)
DANGLING_LINK = Rule(
    "dangling-link",
    Severity.VIOLATION,
    "an IRI in the data namespace used as an object but never described",
    dangling_links,
)
INVALID_LITERAL = Rule(
    "invalid-literal",
    Severity.VIOLATION,
    "a literal whose lexical form is invalid for its datatype",
    invalid_literals,
)
LABEL_LANGUAGE = Rule(
    "label-language",
    Severity.VIOLATION,
    "a label of a project resource without a language tag, or with no English one",
    label_languages,
)
DUPLICATE_SUBJECT = Rule(
    "duplicate-subject",
    Severity.WARNING,
    "one subject described in two files",
    duplicate_subjects,
)
RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (UNKNOWN_TERM, DANGLING_LINK, INVALID_LITERAL, LABEL_LANGUAGE, DUPLICATE_SUBJECT)
}


def run_lints(ctx: LintContext, disabled: frozenset[str]) -> list[Finding]:
    found: list[Finding] = []
    for rule in RULES.values():
        if rule.id not in disabled:
            found.extend(rule.check(ctx))
    return found
