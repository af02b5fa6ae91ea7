"""Helpers for the Linked Data tests: the fixture dataset, rebased copies, an HTML checker."""

from __future__ import annotations

import json
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx
from rdflib import Graph

from graphsvc.config import Settings
from tests.support import FIXTURES

LD = FIXTURES / "ld"
CANONICAL_BASE = "https://w3id.org/graphsvc/"
GS = "https://w3id.org/graphsvc/ontology#"
SK = CANONICAL_BASE + "id/state/south-korea"


def ld_settings(**overrides: object) -> Settings:
    """The Linked Data fixture (paths given: its triples go to the default graph)."""
    values: dict[str, object] = {
        "paths": [LD / "data"],
        "queries_dir": LD / "queries",
        "query_workers": 2,
        "query_timeout": 10.0,
        # The fixture is a miniature, not the project's data: the project's shapes do not apply.
        "validate_on_load": False,
        # The statistics tests count the fixture's own files exactly; the RDFS closure is tested
        # on its own (tests/unit/test_entailment.py, tests/e2e/test_linkeddata_interop.py).
        "entailment": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def rebased_copy(folder: Path, base_iri: str) -> Path:
    """The fixture data with its resources moved from the canonical base to ``base_iri``."""
    target = folder / "data"
    shutil.copytree(LD / "data", target)
    for path in target.glob("*.ttl"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(CANONICAL_BASE + "id/", base_iri + "id/"), encoding="utf-8")
    return target


def wait_for_dumps(app: httpx.Client, timeout: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = app.get("/dumps/", params={"format": "json"})
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        assert response.headers["retry-after"]
        time.sleep(0.1)


BLOCKS = {
    "p",
    "li",
    "td",
    "th",
    "tr",
    "dt",
    "dd",
    "div",
    "blockquote",
    "ul",
    "ol",
    "nav",
    "section",
    "br",
    "caption",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "pre",
    "summary",
    "label",
}


class PageCheck(HTMLParser):
    """What a basic accessibility check needs from a page: title, headings, links and text."""

    def __init__(self) -> None:
        super().__init__()
        self.titles: list[str] = []
        self.headings: list[int] = []
        self.links: list[tuple[str, str]] = []
        self.text: list[str] = []
        self._open: list[str] = []
        self._link_text: list[str] | None = None
        self._href = ""
        self._label = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in BLOCKS:
            self.text.append(" ")
        if tag in ("title", "style", "script"):
            self._open.append(tag)
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        if tag == "a" and "href" in attributes:
            self._link_text = []
            self._href = attributes.get("href") or ""
            self._label = attributes.get("aria-label") or ""
        if tag == "img" and self._link_text is not None:
            self._link_text.append(attributes.get("alt") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.text.append(" ")
        if self._open and self._open[-1] == tag:
            self._open.pop()
        if tag == "a" and self._link_text is not None:
            self.links.append((self._href, (" ".join(self._link_text) + self._label).strip()))
            self._link_text = None

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] == "title":
            self.titles.append(data.strip())
            return
        if self._open:
            return
        self.text.append(data)
        if self._link_text is not None:
            self._link_text.append(data)

    @property
    def visible_text(self) -> str:
        return " ".join("".join(self.text).split())


def check_page(html: str) -> PageCheck:
    """Parse a page and assert the basic accessibility rules: a title, headings in order (one
    h1 first, never a level skipped going down), and text on every link."""
    page = PageCheck()
    page.feed(html)
    page.close()
    assert len(page.titles) == 1 and page.titles[0], "a page has one non-empty <title>"
    assert page.headings, "a page has headings"
    assert page.headings[0] == 1 and page.headings.count(1) == 1, page.headings
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"heading h{after} follows h{before}: {page.headings}"
    for href, text in page.links:
        assert text, f"the link to {href} has no text"
    return page


def parse_document(client: httpx.Client, response: httpx.Response, rdf_format: str) -> Graph:
    """A Linked Data document as a client reads it. A JSON-LD one names its context by URL
    (``/context.jsonld``): fetched here from the same app, as a JSON-LD document loader would,
    since an in-process app has no address rdflib could fetch it from."""
    if rdf_format != "json-ld":
        return Graph().parse(data=response.content, format=rdf_format)
    document = json.loads(response.content)
    context = document.get("@context")
    if isinstance(context, str):
        document["@context"] = client.get(context).json()["@context"]
    return Graph().parse(data=json.dumps(document), format="json-ld")
