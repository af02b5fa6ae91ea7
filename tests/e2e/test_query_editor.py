"""The query editor in a real browser (Debian's headless Chromium, as in test_browser.py).

Someone completes a term of the ontology by its label, runs the query with Ctrl+Enter, reads the
table, switches to the chart, follows a link, shares the URL, breaks the query and sees where;
and every request the page makes stays on the server's origin (Chrome's own network log). With
JavaScript off, the plain form still runs a query. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.chromium import shot, start_chromium
from tests.ldsupport import ld_settings
from tests.support import thread_server

pytestmark = pytest.mark.e2e

JSON_RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with thread_server(ld_settings()) as base_url:
        yield base_url


def _chromium(profile: Path, javascript: bool = True) -> WebDriver:
    return start_chromium(profile, javascript=javascript, network_log=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    driver = _chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(autouse=True)
def nothing_leaves_the_origin(request: pytest.FixtureRequest, server: str) -> Iterator[None]:
    """After each test: every request its pages made went to the server (or was a data: URL)."""
    if "browser" not in request.fixturenames:
        yield
        return
    driver: WebDriver = request.getfixturevalue("browser")
    driver.get("about:blank")
    requested_urls(driver)  # what came before (Chromium's own new-tab page) is not the test's
    driver.get_log("browser")
    yield
    # No script error either: a failure the page shows on purpose is a 4xx answer, not an error.
    errors = [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE"
        and "favicon.ico" not in e["message"]
        and "the server responded with a status of 4" not in e["message"]
    ]
    assert not errors, errors
    assert_same_origin(requested_urls(driver), server)


def assert_same_origin(urls: list[str], server: str) -> None:
    elsewhere = [u for u in urls if not (u.startswith(server + "/") or u.startswith("data:"))]
    assert not elsewhere, f"requests left the server's origin: {elsewhere}"


def requested_urls(driver: WebDriver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def wait(driver: WebDriver, timeout: float = 20):  # type: ignore[no-untyped-def]
    return WebDriverWait(driver, timeout)


def open_editor(driver: WebDriver, url: str) -> WebElement:
    driver.get(url)
    wait(driver).until(lambda d: d.find_element(By.ID, "sparql-editor").is_displayed())
    return driver.find_element(By.CSS_SELECTOR, "#sparql-editor .cm-content")


def editor_text(driver: WebDriver) -> str:
    text: str = driver.execute_script(
        "return document.getElementById('sparql-editor').editor.state.doc.toString()"
    )
    return text


def set_text(driver: WebDriver, text: str, cursor: int | None = None) -> None:
    """Replace the whole query at once (typing it key by key would only test the keyboard)."""
    driver.execute_script(
        "const view = document.getElementById('sparql-editor').editor;"
        "view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: arguments[0]},"
        " selection: {anchor: arguments[1] === null ? arguments[0].length : arguments[1]}});"
        "view.focus();",
        text,
        cursor,
    )


def run_with_keyboard(driver: WebDriver, content: WebElement, expect: str = "done") -> None:
    root = driver.find_element(By.ID, "sparql-editor")
    driver.execute_script("arguments[0].dataset.state = 'idle'", root)
    content.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(driver).until(lambda d: root.get_attribute("data-state") in ("done", "error"))
    assert root.get_attribute("data-state") == expect, root.text


def table_rows(driver: WebDriver) -> list[list[str]]:
    return [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in driver.find_elements(By.CSS_SELECTOR, "#sparql-editor .qe-table tbody tr")
    ]


def a_labelled_gs_class(server: str) -> dict[str, str]:
    """Some class of the ontology, with a label, that has members (none is named here: the
    data's model may change; the editor must complete whatever it holds)."""
    vocabulary = httpx.get(f"{server}/query/vocabulary.json").json()
    for term in vocabulary["classes"]:
        if not (term["prefixed"] or "").startswith("gs:") or not term["label"]:
            continue
        ask = httpx.get(
            f"{server}/sparql",
            params={"query": f"ASK {{ ?x a <{term['iri']}> }}"},
            headers=JSON_RESULTS,
        ).json()
        if ask["boolean"]:
            return dict(term)
    raise AssertionError("the fixture's ontology has no labelled gs: class with members")


def test_complete_run_table_chart_link_and_shared_url(server: str, browser: WebDriver) -> None:
    content = open_editor(browser, f"{server}/query")
    # The page declares that it loads nothing from elsewhere, and uses our files only.
    policy = browser.find_element(By.CSS_SELECTOR, 'meta[http-equiv="Content-Security-Policy"]')
    assert "connect-src 'self'" in (policy.get_attribute("content") or "")
    assert browser.find_elements(By.CSS_SELECTOR, "#sparql-editor .cm-editor .cm-line")
    # The plain form is the fallback: hidden once the editor runs.
    assert not browser.find_element(By.ID, "query").is_displayed()

    term = a_labelled_gs_class(server)
    local = term["prefixed"].split(":", 1)[1]
    text = (
        "SELECT ?member (COUNT(*) AS ?facts) WHERE {\n  ?member a \n  ; ?p ?o\n} GROUP BY ?member"
    )
    set_text(browser, text, cursor=text.index("a \n") + 2)
    content.send_keys("gs:" + local[:3])
    option = wait(browser).until(
        lambda d: next(
            (
                li
                for li in d.find_elements(By.CSS_SELECTOR, ".cm-tooltip-autocomplete li")
                if term["prefixed"] in li.text and term["label"] in li.text
            ),
            None,
        )
    )
    shot(browser, "editor-completion")
    option.click()
    query = editor_text(browser)
    # The completed term, and the PREFIX line its name needs, added for us.
    assert f"?member a {term['prefixed']}\n" in query
    assert query.startswith("PREFIX gs: <https://w3id.org/graphsvc/ontology#>\n")
    # Highlighting: the keywords and the variables are styled tokens, not plain text.
    spans = browser.find_elements(By.CSS_SELECTOR, "#sparql-editor .cm-line span")
    assert {"SELECT", "?member", "GROUP"} <= {s.text for s in spans}

    run_with_keyboard(browser, content)
    rows = table_rows(browser)
    assert rows and all(len(r) == 2 for r in rows)
    status = browser.find_element(By.CSS_SELECTOR, "#sparql-editor .qe-status").text
    assert status.startswith(f"{len(rows)} row") and " ms" in status
    # The query is in the URL, as the plain form puts it there.
    shared = browser.current_url
    assert parse_qs(urlsplit(shared).query)["query"] == [query]

    # Sorting by the count, both ways.
    header = browser.find_elements(By.CSS_SELECTOR, "#sparql-editor .qe-table th")[1]
    header.find_element(By.TAG_NAME, "button").click()
    counts = [int(r[1].split()[0]) for r in table_rows(browser)]
    assert counts == sorted(counts) and header.get_attribute("aria-sort") == "ascending"
    header.find_element(By.TAG_NAME, "button").click()
    assert [int(r[1].split()[0]) for r in table_rows(browser)] == sorted(counts, reverse=True)

    browser.find_element(By.CSS_SELECTOR, "#sparql-editor [data-view=chart]").click()
    bars = browser.find_elements(By.CSS_SELECTOR, "#sparql-editor svg.qe-chart-bar rect.qe-bar")
    assert len(bars) == len(rows)
    shot(browser, "editor-chart")

    # Back to the table; its first member links to its Linked Data page.
    browser.find_element(By.CSS_SELECTOR, "#sparql-editor [data-view=table]").click()
    link = browser.find_element(By.CSS_SELECTOR, "#sparql-editor .qe-table tbody td a")
    label = link.text
    link.click()
    wait(browser).until(lambda d: "/doc/" in d.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == label

    # The shared URL gives the same query and the same answer, which the server has computed
    # for the page: the editor shows it without asking the endpoint again.
    assert_same_origin(requested_urls(browser), server)
    content = open_editor(browser, shared)
    wait(browser).until(lambda d: table_rows(d))
    assert editor_text(browser) == query
    assert sorted(table_rows(browser)) == sorted(rows)
    assert browser.find_element(By.ID, "sparql-editor").get_attribute("data-state") == "done"
    reloaded = requested_urls(browser)
    assert f"{server}/static/vendor/codemirror.min.js" in reloaded, "is the network log on?"
    assert_same_origin(reloaded, server)
    assert f"{server}/sparql" not in reloaded
    browser.find_element(By.CSS_SELECTOR, "#sparql-editor [data-view=chart]").click()
    assert browser.find_elements(By.CSS_SELECTOR, "#sparql-editor svg.qe-chart-bar rect.qe-bar")


def popup_option(driver: WebDriver, *texts: str) -> WebElement:
    def found(d: WebDriver) -> WebElement | None:
        for li in d.find_elements(By.CSS_SELECTOR, ".cm-tooltip-autocomplete li"):
            if all(t in li.text for t in texts):
                return li
        return None

    option: WebElement = wait(driver).until(found)
    return option


def test_prefixes_and_resources_complete_from_the_data(server: str, browser: WebDriver) -> None:
    vocabulary = httpx.get(f"{server}/query/vocabulary.json").json()
    content = open_editor(browser, f"{server}/query")
    set_text(browser, "")
    content.send_keys("PREFIX sk")
    popup_option(browser, "skos:", vocabulary["prefixes"]["skos"]).click()
    assert editor_text(browser) == f"PREFIX skos: <{vocabulary['prefixes']['skos']}>"

    # A resource of the data, by a word of its label: one with no prefixed name goes in as <IRI>.
    found = httpx.get(f"{server}/query/resources.json", params={"q": "a", "limit": 100}).json()
    resource = next(r for r in found["resources"] if r["prefixed"] is None)
    word = resource["label"].split()[-1]
    set_text(browser, "SELECT * WHERE { ?s ?p  }", cursor=len("SELECT * WHERE { ?s ?p "))
    content.send_keys(word[:4])
    popup_option(browser, resource["label"]).click()
    assert editor_text(browser) == f"SELECT * WHERE {{ ?s ?p <{resource['iri']}> }}"


def test_a_date_column_gives_a_line_chart(server: str, browser: WebDriver) -> None:
    content = open_editor(browser, f"{server}/query")
    set_text(
        browser,
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        "SELECT ?day ?n WHERE { VALUES (?day ?n) {\n"
        '  ("2025-01-03"^^xsd:date 4) ("2025-01-01"^^xsd:date 3) ("2025-02-11"^^xsd:date 9) } }',
    )
    run_with_keyboard(browser, content)
    browser.find_element(By.CSS_SELECTOR, "#sparql-editor [data-view=chart]").click()
    chart = browser.find_element(By.CSS_SELECTOR, "#sparql-editor svg.qe-chart-line")
    assert len(chart.find_elements(By.CSS_SELECTOR, "circle.qe-dot")) == 3
    assert "2025-01-01" in chart.text


def test_a_syntax_error_is_marked_at_its_line(server: str, browser: WebDriver) -> None:
    content = open_editor(browser, f"{server}/query")
    set_text(browser, "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(\n}")
    run_with_keyboard(browser, content, expect="error")
    root = browser.find_element(By.ID, "sparql-editor")
    error = root.find_element(By.CSS_SELECTOR, ".qe-error").text
    expected = httpx.get(
        f"{server}/sparql", params={"query": editor_text(browser)}, headers=JSON_RESULTS
    ).json()["error"]
    assert f"Line {expected['line']}, column {expected['column']}" in error
    assert root.get_attribute("data-error-line") == str(expected["line"])
    # The mark is in the editor, on that line (CodeMirror's lint range and gutter marker).
    lines = root.find_elements(By.CSS_SELECTOR, ".cm-content .cm-line")
    marked = [
        number
        for number, line in enumerate(lines, start=1)
        if line.find_elements(By.CSS_SELECTOR, ".cm-lintRange-error")
    ]
    assert marked == [expected["line"]]
    assert root.find_elements(By.CSS_SELECTOR, ".cm-lint-marker-error")
    shot(browser, "editor-error")
    # Editing the query clears the mark.
    content.send_keys(Keys.END, " ")
    assert not root.find_elements(By.CSS_SELECTOR, ".cm-lintRange-error")


def test_construct_shows_a_graph_and_downloads_in_every_format(
    server: str, browser: WebDriver
) -> None:
    content = open_editor(browser, f"{server}/query")
    set_text(browser, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isIRI(?o)) } LIMIT 40")
    run_with_keyboard(browser, content)
    assert len(table_rows(browser)) == 40
    browser.find_element(By.CSS_SELECTOR, "#sparql-editor [data-view=graph]").click()
    graph = browser.find_element(By.CSS_SELECTOR, "#sparql-editor svg.qe-graph")
    assert graph.find_elements(By.CSS_SELECTOR, "circle.qe-node")
    assert graph.find_elements(By.CSS_SELECTOR, "line.qe-edge")
    shot(browser, "editor-graph")
    links = browser.find_elements(By.CSS_SELECTOR, "#sparql-editor .qe-downloads a")
    formats = {parse_qs(urlsplit(a.get_attribute("href") or "").query)["format"][0] for a in links}
    assert formats == {"ttl", "nt", "jsonld", "rdf"}
    for a in links:
        response = httpx.get(a.get_attribute("href") or "")
        assert response.status_code == 200 and response.content


def test_a_named_query_is_an_example_with_its_parameters(server: str, browser: WebDriver) -> None:
    catalogue = httpx.get(f"{server}/queries", params={"format": "json"}).json()["queries"]
    named = next(q for q in catalogue if q["params"])
    content = open_editor(browser, f"{server}/query")
    Select(browser.find_element(By.ID, "qe-examples")).select_by_value(named["name"])
    assert editor_text(browser) == named["sparql"]
    assert browser.find_element(By.TAG_NAME, "h1").text == named["title"]
    param = named["params"][0]
    field = browser.find_element(By.ID, f"qe-param-{param['name']}")
    assert field.get_attribute("value") == (param["default"] or "")
    run_with_keyboard(browser, content)
    assert table_rows(browser)
    given = parse_qs(urlsplit(browser.current_url).query)
    assert given["name"] == [named["name"]]
    # Downloads run the named query with the same parameters.
    link = browser.find_element(By.CSS_SELECTOR, "#sparql-editor .qe-downloads a")
    assert f"/queries/{named['name']}?" in (link.get_attribute("href") or "")
    # Its link opens it again, parameters and all.
    content = open_editor(browser, browser.current_url)
    wait(browser).until(lambda d: table_rows(d))
    assert editor_text(browser) == named["sparql"]
    # Edited, it is a query of one's own: no parameters, no name.
    content.send_keys(Keys.CONTROL, Keys.END)  # a modifier holds to the end of the call
    content.send_keys("\n# mine")
    assert editor_text(browser) == named["sparql"] + "\n# mine"
    assert not browser.find_element(By.CSS_SELECTOR, "#sparql-editor .qe-params").is_displayed()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Query the graph"


def test_the_endpoint_page_has_the_editor_too(server: str, browser: WebDriver) -> None:
    content = open_editor(browser, f"{server}/sparql")
    assert "COUNT" in editor_text(browser)
    run_with_keyboard(browser, content)
    assert len(table_rows(browser)) == 1
    # The endpoint's page keeps its own URL; the result offers the query page's link.
    assert urlsplit(browser.current_url).query == ""
    link = browser.find_element(By.LINK_TEXT, "Open this query on the query page")
    assert parse_qs(urlsplit(link.get_attribute("href") or "").query)["query"] == [
        editor_text(browser)
    ]


def test_without_javascript_the_form_still_runs_a_query(
    server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    driver = _chromium(tmp_path_factory.mktemp("chromium-nojs"), javascript=False)
    try:
        driver.get("about:blank")
        requested_urls(driver)
        driver.get(f"{server}/query")
        assert not driver.find_element(By.ID, "sparql-editor").is_displayed()
        textarea = driver.find_element(By.ID, "query")
        assert textarea.is_displayed()
        textarea.clear()
        textarea.send_keys(
            "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
            "LIMIT 5"
        )
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait(driver).until(lambda d: "query=" in d.current_url)
        rows = driver.find_elements(By.CSS_SELECTOR, "#server-results table tbody tr")
        assert len(rows) == 5
        assert driver.find_elements(By.CSS_SELECTOR, "#server-results table tbody a")
        shot(driver, "query-without-javascript")
        urls = requested_urls(driver)
        assert urls and all(u.startswith(server + "/") or u.startswith("data:") for u in urls)
    finally:
        driver.quit()
