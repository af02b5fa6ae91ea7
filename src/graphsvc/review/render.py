"""A review in words: text for a terminal, markdown for a pull request or a job summary, and the
JSON of docs/review.md (``"schema": 1``; fields are only ever added)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

from graphsvc.review.patch import render_patch
from graphsvc.review.report import GraphReview, Link, PartChange, ResourceChange, Review

JSON_SCHEMA_VERSION = 1
FORMATS = ("text", "markdown", "json", "patch")
MARKDOWN_ITEMS = 200
"""Entries shown per document in markdown: a job summary holds at most 1 MiB."""

_SIGN = {"added": "+", "removed": "-", "changed": "~", "renamed": ">"}
_STATUS = {"added": "new file", "removed": "file removed", "changed": "changed"}
_SECTIONS = (
    ("claims", "Claims"),
    ("resources", "Resources"),
    ("links", "Links"),
    ("terms", "Ontology terms and shapes"),
)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _values(values: Iterable[str]) -> str:
    joined = ", ".join(values)
    return joined or "(none)"


def change_words(change: PartChange) -> str:
    return f"{change.label}: {_values(change.old)} → {_values(change.new)}"


def link_words(link: Link) -> str:
    return f"{link.subject_label} — {link.property_label} → {link.object_label}"


def headline(review: Review) -> str:
    if not review.changed:
        return f"{review.old} → {review.new}: no change"
    counts = review.counts()
    parts = []
    for kind in ("claims", "resources", "terms"):
        bits = [
            f"{counts[f'{kind}{c.capitalize()}']} {c}"
            for c in ("added", "removed", "changed", "renamed")
            if counts[f"{kind}{c.capitalize()}"]
        ]
        if bits:
            parts.append(f"{kind} {', '.join(bits)}")
    links = [
        f"{counts[f'links{c}']} {c.lower()}" for c in ("Added", "Removed") if counts[f"links{c}"]
    ]
    if links:
        parts.append(f"links {', '.join(links)}")
    return (
        f"{review.old} → {review.new}: {_plural(counts['graphs'], 'source document')} changed, "
        f"+{counts['triplesAdded']} -{counts['triplesRemoved']} triples"
        + (f"; {'; '.join(parts)}" if parts else "")
    )


def _entry_lines(entry: ResourceChange) -> tuple[str, list[str]]:
    """An entry's first line and the lines under it."""
    if entry.change == "renamed":
        return f"{entry.iri} renamed to {entry.renamed_to}  {entry.label}", []
    head = f"{entry.iri}  {entry.label}" if entry.label != entry.iri else entry.iri
    if entry.change == "changed":
        return head, [change_words(c) for c in entry.changes]
    if entry.sentence:
        return head, [entry.sentence]
    types = next((p.values for p in entry.parts if p.property == "rdf:type"), ())
    return (head + (f"  ({', '.join(types)})" if types else "")), []


def _items(graph: GraphReview, section: str) -> list[ResourceChange] | list[Link]:
    items: list[ResourceChange] | list[Link] = getattr(graph, section)
    return items


def render_text(review: Review) -> str:
    lines = [headline(review)]
    for graph in review.graphs:
        lines.append("")
        lines.append(
            f"{graph.file}  ({_STATUS[graph.status]}, {graph.graph}, "
            f"+{graph.triples_added} -{graph.triples_removed} triples)"
        )
        for section, title in _SECTIONS:
            items = _items(graph, section)
            if not items:
                continue
            lines.append(f"  {title}")
            for item in items:
                if isinstance(item, Link):
                    lines.append(f"    {_SIGN[item.change]} {link_words(item)}")
                    continue
                head, under = _entry_lines(item)
                lines.append(f"    {_SIGN[item.change]} {head}")
                lines += [f"        {line}" for line in under]
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def md(text: str) -> str:
    """Text that markdown shows as it is (no emphasis, no HTML, no table cells)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def _code(text: str) -> str:
    quoted = text.replace("`", "'")
    return f"`{quoted}`"


_MD_CHANGE = {"added": "added", "removed": "removed", "changed": "changed", "renamed": "renamed"}


def render_markdown(review: Review) -> str:
    lines = [f"## Graph changes: {_code(review.old)} → {_code(review.new)}", ""]
    if not review.changed:
        lines.append("No change to the graph.")
        return "\n".join(lines) + "\n"
    counts = review.counts()
    lines.append(
        f"**{_plural(counts['graphs'], 'source document')} changed**, "
        f"+{counts['triplesAdded']} / -{counts['triplesRemoved']} triples."
    )
    table = [
        ("Claims", "claims"), ("Resources", "resources"), ("Ontology terms and shapes", "terms")
    ]
    lines += ["", "| | added | removed | changed | renamed |", "|---|---:|---:|---:|---:|"]
    for title, kind in table:
        cells = [str(counts[f"{kind}{c}"]) for c in ("Added", "Removed", "Changed", "Renamed")]
        lines.append(f"| {title} | {' | '.join(cells)} |")
    lines.append(f"| Links | {counts['linksAdded']} | {counts['linksRemoved']} | | |")
    for graph in review.graphs:
        lines += [
            "",
            f"### {_code(graph.file)} ({_STATUS[graph.status]})",
            "",
            f"Graph {_code(graph.graph)}, "
            f"+{graph.triples_added} / -{graph.triples_removed} triples.",
        ]
        shown = 0
        hidden = 0
        for section, title in _SECTIONS:
            items = _items(graph, section)
            if not items:
                continue
            lines += ["", f"**{title}**", ""]
            for item in items:
                if shown >= MARKDOWN_ITEMS:
                    hidden += 1
                    continue
                shown += 1
                if isinstance(item, Link):
                    lines.append(
                        f"- **{item.change}** {md(item.subject_label)} — "
                        f"{md(item.property_label)} → {md(item.object_label)}"
                    )
                    continue
                lines += _markdown_entry(item)
        if hidden:
            lines += ["", f"… and {hidden} more (see `graphsvc diff --format json`)."]
    return "\n".join(lines) + "\n"


def _markdown_entry(entry: ResourceChange) -> list[str]:
    change = _MD_CHANGE[entry.change]
    if entry.change == "renamed":
        return [
            f"- **{change}** {_code(entry.iri)} → {_code(entry.renamed_to or '')} "
            f"{md(entry.label)}"
        ]
    label = f" {md(entry.label)}" if entry.label != entry.iri else ""
    head = f"- **{change}** {_code(entry.iri)}{label}"
    if entry.change == "changed":
        return [head] + [
            f"  - {md(c.label)}: {md(_values(c.old))} → {md(_values(c.new))}"
            for c in entry.changes
        ]
    if entry.sentence:
        return [head, f"  - {md(entry.sentence)}"]
    types = next((p.values for p in entry.parts if p.property == "rdf:type"), ())
    return [head + (f" ({md(', '.join(types))})" if types else "")]


def _entry_json(entry: ResourceChange) -> dict[str, object]:
    return {
        "change": entry.change,
        "iri": entry.iri,
        "label": entry.label,
        "kind": entry.kind,
        "sentence": entry.sentence,
        "renamedTo": entry.renamed_to,
        "parts": [
            {"property": p.property, "label": p.label, "values": list(p.values)}
            for p in entry.parts
        ],
        "changes": [
            {"property": c.property, "label": c.label, "old": list(c.old), "new": list(c.new)}
            for c in entry.changes
        ],
    }


def _link_json(link: Link) -> dict[str, object]:
    return {
        "change": link.change,
        "subject": link.subject,
        "subjectLabel": link.subject_label,
        "property": link.property,
        "propertyLabel": link.property_label,
        "object": link.object,
        "objectLabel": link.object_label,
    }


def render_json(review: Review) -> str:
    body = {
        "schema": JSON_SCHEMA_VERSION,
        "old": review.old,
        "new": review.new,
        "changed": review.changed,
        "summary": review.counts(),
        "prefixes": dict(sorted(review.prefixes.items())),
        "graphs": [
            {
                "graph": graph.graph,
                "file": graph.file,
                "status": graph.status,
                "triplesAdded": graph.triples_added,
                "triplesRemoved": graph.triples_removed,
                "claims": [_entry_json(e) for e in graph.claims],
                "resources": [_entry_json(e) for e in graph.resources],
                "links": [_link_json(x) for x in graph.links],
                "terms": [_entry_json(e) for e in graph.terms],
            }
            for graph in review.graphs
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


RENDERERS: dict[str, Callable[[Review], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
    "patch": lambda review: render_patch(review.comparison),
}


def render(review: Review, output_format: str) -> str:
    try:
        renderer = RENDERERS[output_format]
    except KeyError:
        raise ValueError(
            f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}"
        ) from None
    return renderer(review)


__all__ = ["FORMATS", "JSON_SCHEMA_VERSION", "headline", "render"]
