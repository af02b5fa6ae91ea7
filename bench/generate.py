"""A deterministic claims graph in graphsvc's ontology, at any scale, as N-Triples.

The shape follows the project's data (``data/*.ttl``) and ``modeling.md``: states, people, posts
held through role holdings, agreements between states, source documents (some copies of others),
and claims, each with a claimant, a status, a verbatim quote, the document it is reported in, a
date window, and for counting claims a ``gs:QuantityEstimate``. Every node is an IRI (no blank
nodes), so every engine returns the same ``DESCRIBE``.

The same ``(triples, seed)`` always gives the same bytes. Entity counts are proportional to the
requested size; the actual triple count lands within a fraction of a percent of it.

Usage: ``python -m bench.generate 1000000 out.nt``
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

GS = "https://w3id.org/graphsvc/ontology#"
ID = "https://w3id.org/graphsvc/id/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT_ID = "<http://purl.org/dc/terms/identifier>"
HEADLINE = "<http://schema.org/headline>"
PUBLISHER = "<http://schema.org/publisher>"
DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"

STATUSES = [
    "Asserted", "ArticleAsserted", "Estimated", "ClaimedToShow", "Inference", "Hedged",
    "NegativeEvidence", "NotConfirmed", "NotDenied", "Denied", "DeclinedToComment", "Warning",
    "Fear", "Vow", "Signal", "Characterization", "Quotation",
]  # fmt: skip
# Skewed like real reporting: most claims are plain assertions or estimates.
STATUS_WEIGHTS = [30, 10, 20, 4, 4, 6, 2, 3, 2, 3, 2, 3, 2, 2, 2, 3, 2]
COUNT_PROPERTIES = ["troopCount", "killedCount", "woundedCount", "capturedCount"]
TEXT_PROPERTIES = ["said", "describedAs", "vowed"]
PRECISIONS = ["PrecisionDay", "PrecisionMonth", "PrecisionYear"]
SYLLABLES = [
    "ka", "lo", "mi", "ra", "ten", "vo", "su", "an", "dre", "el", "ko", "ria", "sha", "un",
    "bel", "dor", "ina", "yo", "pet", "gra", "nov", "ul", "zen", "ha",
]  # fmt: skip
START = date(2020, 1, 1)
STATES = 200
VERSION = 2
"""Bumped whenever the output changes, so stale generated files are not reused."""


@dataclass(frozen=True)
class Layout:
    """How many entities of each kind a graph of a given size has."""

    triples: int
    states: int
    people: int
    agreements: int
    documents: int
    claims: int

    @classmethod
    def for_size(cls, triples: int) -> Layout:
        people = max(20, triples // 200)
        documents = max(10, triples // 100)
        agreements = max(5, triples // 2000)
        reference = STATES * 12 + people * 10 + documents * 66 // 10 + agreements * 8
        # A claim averages 16 triples (13 of its own; a 6-triple quantity node on half of them).
        claims = max(20, (triples - reference) // 16)
        return cls(triples, STATES, people, agreements, documents, claims)


def iri(path: str) -> str:
    return f"<{ID}{path}>"


def gs(name: str) -> str:
    return f"<{GS}{name}>"


def lit(text: str, lang: str = "en") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}'


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


class Writer:
    """Buffers N-Triples lines and counts them."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lines: list[str] = []
        self.count = 0

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} .\n")
        if len(self.lines) >= 50_000:
            self.flush()

    def flush(self) -> None:
        self.count += len(self.lines)
        self.out.write("".join(self.lines))
        self.lines.clear()


def state_iri(i: int) -> str:
    return iri(f"state/s{i:03d}")


def person_iri(i: int) -> str:
    return iri(f"person/p{i:07d}")


def doc_iri(i: int) -> str:
    return iri(f"source/d{i:07d}")


def claim_iri(i: int) -> str:
    return iri(f"claim/c{i:08d}")


def _reference(w: Writer, rng: random.Random, layout: Layout) -> list[date]:
    """States, people, posts, role holdings, agreements, documents; returns publication dates."""
    state_names = []
    for i in range(layout.states):
        s = state_iri(i)
        label = f"{name(rng, 2)}ia"
        state_names.append(label)
        w.add(s, RDF_TYPE, gs("State"))
        w.add(s, LABEL, lit(label))
        w.add(s, gs("linkStatus"), gs("Unverified" if i % 3 else "Verified"))
        for kind in ("president", "foreign-minister", "spokesperson"):
            post = iri(f"post/{kind}-s{i:03d}")
            w.add(post, RDF_TYPE, gs("Post"))
            w.add(post, LABEL, lit(f"{kind.replace('-', ' ').title()} of {label}"))
            w.add(post, gs("postIn"), s)
    for i in range(layout.people):
        p = person_iri(i)
        w.add(p, RDF_TYPE, gs("Person"))
        w.add(p, LABEL, lit(f"{name(rng, 2)} {name(rng, 3)}"))
        w.add(p, gs("linkStatus"), gs("Unverified"))
        state = rng.randrange(layout.states)
        kind = rng.choice(("president", "foreign-minister", "spokesperson"))
        holding = iri(f"role-holding/r{i:07d}")
        start = START + timedelta(days=rng.randrange(1500))
        w.add(holding, RDF_TYPE, gs("RoleHolding"))
        w.add(holding, LABEL, lit(f"Role holding {i}"))
        w.add(holding, gs("holder"), p)
        w.add(holding, gs("post"), iri(f"post/{kind}-s{state:03d}"))
        w.add(holding, gs("asOfEarliest"), typed(start.isoformat(), "date"))
        w.add(holding, gs("asOfLatest"), typed((start + timedelta(days=365)).isoformat(), "date"))
        w.add(holding, gs("reportedIn"), doc_iri(rng.randrange(layout.documents)))
    for i in range(layout.agreements):
        a = iri(f"agreement/a{i:06d}")
        first, second = rng.sample(range(layout.states), 2)
        w.add(a, RDF_TYPE, gs("Agreement"))
        pact = f"{state_names[first]}\u2013{state_names[second]} pact {i}"
        w.add(a, LABEL, lit(pact))
        w.add(a, gs("party"), state_iri(first))
        w.add(a, gs("party"), state_iri(second))
        signed = START + timedelta(days=rng.randrange(1800))
        w.add(a, gs("signedOn"), typed(signed.isoformat(), "date"))
        w.add(a, gs("reportedIn"), doc_iri(rng.randrange(layout.documents)))
        w.add(a, gs("linkStatus"), gs("Unverified"))
    published_on: list[date] = []
    for i in range(layout.documents):
        d = doc_iri(i)
        published = START + timedelta(days=rng.randrange(400, 1800))
        published_on.append(published)
        w.add(d, RDF_TYPE, gs("SourceDocument"))
        w.add(d, LABEL, lit(f"Report {i} on {rng.choice(state_names)}"))
        w.add(d, HEADLINE, lit(f"{name(rng, 3)} {name(rng, 2)} {name(rng, 3)}"))
        w.add(d, PUBLISHER, iri(f"organization/outlet-{i % 97:02d}"))
        w.add(d, gs("publishedEarliest"), typed(published.isoformat(), "date"))
        w.add(d, gs("publishedLatest"), typed((published + timedelta(days=6)).isoformat(), "date"))
        if i >= 10 and rng.random() < 0.3:
            # Copy chains (republished wire stories), for the property-path query.
            original = doc_iri(rng.randrange(max(0, i - 50), i))
            w.add(d, gs("copyOf"), original)
            w.add(d, DERIVED, original)
    return published_on


def _claims(w: Writer, rng: random.Random, layout: Layout, published_on: list[date]) -> None:
    for i in range(layout.claims):
        c = claim_iri(i)
        by_state = rng.random() < 0.7
        who = state_iri(rng.randrange(layout.states)) if by_state else None
        if who is None:
            who = person_iri(rng.randrange(layout.people))
        about = state_iri(rng.randrange(layout.states))
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        counting = rng.random() < 0.5
        prop = rng.choice(COUNT_PROPERTIES if counting else TEXT_PROPERTIES)
        doc = rng.randrange(layout.documents)
        # A source reports nothing after its publication (the shapes check it).
        published = published_on[doc]
        earliest = published - timedelta(days=rng.randrange(400))
        precision = rng.choice(PRECISIONS)
        span = {"PrecisionDay": 0, "PrecisionMonth": 29, "PrecisionYear": 364}[precision]
        latest = min(earliest + timedelta(days=span), published)
        w.add(c, RDF_TYPE, gs("Claim"))
        w.add(c, LABEL, lit(f"Claim {i}: {prop} about state {about[-5:-1]}"))
        w.add(c, DCT_ID, f'"bench#{i}"')
        w.add(c, gs("claimant"), who)
        w.add(c, gs("subject"), about)
        w.add(c, gs("property"), gs(prop))
        w.add(c, gs("status"), gs(status))
        w.add(c, gs("quote"), lit(f"{name(rng, 3)} said {name(rng, 2)} {name(rng, 4)} ({i})"))
        w.add(c, gs("reportedIn"), doc_iri(doc))
        w.add(c, gs("earliestDate"), typed(earliest.isoformat(), "date"))
        w.add(c, gs("latestDate"), typed(latest.isoformat(), "date"))
        w.add(c, gs("timePrecision"), gs(precision))
        if counting:
            q = iri(f"quantity/q{i:08d}")
            w.add(c, gs("quantity"), q)
            w.add(q, RDF_TYPE, gs("QuantityEstimate"))
            w.add(q, LABEL, lit(f"Quantity of claim {i}"))
            w.add(q, gs("approximate"), typed("false", "boolean"))
            amount = rng.choice((10, 50, 100, 300, 1000, 2700, 10000)) * rng.randrange(1, 10)
            if rng.random() < 0.6:
                w.add(q, gs("value"), typed(amount, "integer"))
                w.add(q, gs("quantityText"), lit(f"{amount:,}"))
            else:
                w.add(q, gs("minExclusive"), typed(amount, "integer"))
                w.add(q, gs("quantityText"), lit(f"more than {amount:,}"))
            w.add(q, gs("countedThing"), gs("Soldier"))
        else:
            w.add(c, gs("objectText"), lit(f"{name(rng, 2)} {name(rng, 3)}"))


def generate(triples: int, out_path: Path, *, seed: int = 6) -> dict[str, int]:
    """Write the graph to ``out_path`` (N-Triples); return the layout with the real count."""
    layout = Layout.for_size(triples)
    rng = random.Random(seed)
    tmp = out_path.with_suffix(out_path.suffix + ".part")
    with tmp.open("w", encoding="utf-8", newline="\n") as out:
        w = Writer(out)
        published_on = _reference(w, rng, layout)
        _claims(w, rng, layout, published_on)
        w.flush()
    tmp.replace(out_path)
    info = {**asdict(layout), "written": w.count, "seed": seed, "version": VERSION}
    out_path.with_suffix(".json").write_text(json.dumps(info, indent=1) + "\n")
    return info


def ensure(triples: int, folder: Path, *, seed: int = 6) -> tuple[Path, dict[str, int]]:
    """The data file for a size, generated once and reused while its layout is unchanged."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"claims-{triples}-s{seed}.nt"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        info: dict[str, int] = json.loads(meta.read_text())
        expected = {**asdict(Layout.for_size(triples)), "version": VERSION}
        if {k: info.get(k) for k in expected} == expected:
            return path, info
    return path, generate(triples, path, seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("triples", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    print(json.dumps(generate(args.triples, args.out, seed=args.seed)))


if __name__ == "__main__":
    main()
