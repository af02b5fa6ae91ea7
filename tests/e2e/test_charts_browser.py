"""A person in a browser looks at the pictures: from the home page to the comparison of the
figures given for North Korean deaths, and from a claim page to the timeline. The pictures are
SVG drawn on the server: the test turns JavaScript off to show that none is needed. Screenshots
go to ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from graphsvc.config import Settings, project_root
from tests.e2e.chromium import shot, start_chromium, visible
from tests.support import thread_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def project_server() -> Iterator[str]:
    if not (project_root() / "data").is_dir():
        pytest.fail("the project's data/ folder is missing")
    settings = Settings(query_workers=2, validate_on_load=False)  # type: ignore[call-arg]
    with thread_server(settings) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    # No script is needed to read the pictures.
    driver = start_chromium(tmp_path_factory.mktemp("chromium-charts"), javascript=False)
    try:
        yield driver
    finally:
        driver.quit()


def test_from_home_to_the_deaths_comparison(project_server: str, browser: WebDriver) -> None:
    browser.get(f"{project_server}/")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Who said how many North Koreans died").click()
    assert browser.current_url.startswith(f"{project_server}/compare")
    figure = browser.find_element(By.CSS_SELECTOR, "#comparison svg")
    assert figure.size["width"] > 600 and figure.size["height"] > 400
    marks = figure.find_elements(By.CSS_SELECTOR, "g.claim")
    assert len(marks) >= 10
    assert all(m.size["height"] > 0 for m in marks)
    text = visible(browser)
    for claimant in (
        "National Intelligence Service (South Korea)",
        "Volodymyr Zelensky",
        "South Korea",
        "White House National Security Council",
    ):
        assert claimant in figure.text, claimant
    assert "at least 100" in text and "about 2,000" in text
    shot(browser, "compare-deaths")


def test_from_a_claim_to_the_timeline(project_server: str, browser: WebDriver) -> None:
    browser.get(f"{project_server}/id/claim/s17-3-gerasimov-acknowledges-north-korean-troops")
    browser.find_element(By.LINK_TEXT, "timeline of events and claims").click()
    assert browser.current_url == f"{project_server}/timeline"
    figure = browser.find_element(By.CSS_SELECTOR, "#timeline svg")
    assert figure.size["height"] > 400
    assert len(figure.find_elements(By.CSS_SELECTOR, "g.event rect")) >= 20
    assert "Gerasimov" in figure.text
    shot(browser, "timeline")
