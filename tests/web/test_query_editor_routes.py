"""What the query editor asks the server for (web/routes/editor.py), in process, and the files it
is made of: served by the package itself, with the vendored code's versions and licences."""

from __future__ import annotations

import doctest
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graphsvc.linkeddata import completion
from tests.ldsupport import GS, SK, ld_settings
from tests.support import ROOT, app_client

STATIC = ROOT / "src" / "graphsvc" / "web" / "static"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with app_client(ld_settings()) as c:
        yield c


def test_doctests() -> None:
    assert doctest.testmod(completion).failed == 0


def test_the_vocabulary_has_the_ontologys_terms_with_labels(
    client: httpx.Client,
) -> None:
    response = client.get("/query/vocabulary.json")
    assert response.status_code == 200
    body = response.json()
    assert body["prefixes"]["gs"] == GS
    labelled = [t for t in body["classes"] if t["prefixed"].startswith("gs:") and t["label"]]
    assert labelled, "some gs: class comes with its label"
    assert all(t["iri"] == GS + t["prefixed"][3:] for t in labelled)
    properties = {t["iri"]: t for t in body["properties"]}
    assert properties[RDFS_LABEL]["prefixed"] == "rdfs:label"
    assert any(t["prefixed"].startswith("gs:") and t["label"] for t in properties.values())
    assert body["resources"] > 0
    assert [f["name"] for f in body["formats"]["solutions"]] == ["json", "xml", "csv", "tsv"]
    assert [f["name"] for f in body["formats"]["graph"]] == ["ttl", "nt", "jsonld", "rdf"]


def test_the_vocabulary_on_both_engines(small_app: httpx.Client) -> None:
    """The completion queries run on the remote engine (Virtuoso) as on the local one."""
    body = small_app.get("/query/vocabulary.json").json()
    assert "http://xmlns.com/foaf/0.1/Person" in {t["iri"] for t in body["classes"]}
    assert "http://xmlns.com/foaf/0.1/knows" in {t["iri"] for t in body["properties"]}
    found = small_app.get("/query/resources.json", params={"q": "a"}).json()
    assert found == {"resources": []}  # the small dataset labels nothing


def test_resources_are_found_by_label(client: httpx.Client) -> None:
    labels = client.post("/query/labels", content=json.dumps([SK]))
    label = labels.json()[SK]["label"]
    word = label.split()[-1][:3]
    found = (client.get("/query/resources.json", params={"q": word})).json()["resources"]
    assert SK in [t["iri"] for t in found]
    assert all(word.lower() in t["label"].lower() for t in found)
    empty = client.get("/query/resources.json", params={"q": ""})
    assert empty.json() == {"resources": []}


def test_labels_and_links_as_the_server_rendered_table_has_them(
    client: httpx.Client,
) -> None:
    response = client.post(
        "/query/labels", content=json.dumps([SK, "not an iri", "javascript:alert(1)", SK])
    )
    body = response.json()
    assert list(body) == [SK, "javascript:alert(1)"]
    assert body[SK]["href"] == "/id/state/south-korea" and body[SK]["label"]
    assert body["javascript:alert(1)"]["href"] is None  # never a link a click would run
    for bad in (b"{", b'{"a": 1}', b"[1]"):
        refused = client.post("/query/labels", content=bad)
        assert refused.status_code == 400
        assert refused.json()["error"]["type"] == "bad-parameter"


def test_completions_are_computed_once_per_version_of_the_data(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get("/query/vocabulary.json")
    calls: list[object] = []
    original = completion.compute

    async def counting(service):  # type: ignore[no-untyped-def]
        calls.append(service)
        return await original(service)

    monkeypatch.setattr(completion, "compute", counting)
    client.get("/query/vocabulary.json")
    client.get("/query/resources.json", params={"q": "korea"})
    assert calls == []


def test_the_editor_files_are_served_by_the_package(client: httpx.Client) -> None:
    page = (client.get("/query")).text
    sources = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert "/static/editor/query.js" in sources and "/static/editor/editor.css" in sources
    assert "connect-src 'self'" in page
    for path in [*sources, "/static/vendor/codemirror.min.js", "/static/vendor/LICENSES.txt"]:
        response = client.get(path)
        assert response.status_code == 200, path
    endpoint_page = client.get("/sparql", headers={"Accept": "text/html"})
    assert "/static/editor/query.js" in endpoint_page.text


def _imports(path: Path) -> list[str]:
    return re.findall(r'from\s+"([^"]+)"', path.read_text(encoding="utf-8"))


def test_the_editor_code_asks_only_its_own_server() -> None:
    """No absolute URL in our scripts but XML namespace names (which are never fetched), and
    every module they import is one of the files served beside them."""
    for script in sorted((STATIC / "editor").glob("*.js")):
        text = script.read_text(encoding="utf-8")
        for url in re.findall(r"https?://[^\s\"'`)]+", text):
            assert url.startswith("http://www.w3.org/"), f"{script.name}: {url}"
        for target in _imports(script):
            assert target.startswith("./") or target.startswith("../vendor/"), target
            assert (script.parent / target).resolve().is_file(), target


def test_the_editors_default_formats_are_the_servers(client: httpx.Client) -> None:
    """The editor's download links before the vocabulary has come: the same as the server's."""
    script = (STATIC / "editor" / "query.js").read_text(encoding="utf-8")
    pairs = re.findall(r'\["(\w+)", "([^"]+)"\]', script)
    formats = client.get("/query/vocabulary.json").json()["formats"]
    served = [(f["name"], f["label"]) for f in [*formats["solutions"], *formats["graph"]]]
    assert pairs == served


def test_the_vendored_versions_are_those_of_the_lock_file() -> None:
    """VERSIONS.md is written by `make vendor` from what it bundled: a lock file changed
    without rebuilding the bundle shows up here, and so does a licence text gone missing."""
    lock = json.loads((ROOT / "frontend" / "package-lock.json").read_text(encoding="utf-8"))
    locked = {
        path.removeprefix("node_modules/"): entry["version"]
        for path, entry in lock["packages"].items()
        if path.startswith("node_modules/")
    }
    rows = re.findall(
        r"^\| (\S+) \| (\S+) \| (\S+) \|$",
        (STATIC / "vendor" / "VERSIONS.md").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    bundled = {name: version for name, version, _ in rows[1:]}
    assert bundled and all(locked.get(name) == v for name, v in bundled.items()), bundled
    licences = (STATIC / "vendor" / "LICENSES.txt").read_text(encoding="utf-8")
    for name, version in bundled.items():
        assert f"{name} {version} (" in licences
    package = json.loads((ROOT / "frontend" / "package.json").read_text(encoding="utf-8"))
    assert set(package["dependencies"]) <= set(bundled)
