"""A person in a browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``, which
``make test`` installs when missing) reads the home page, follows links to a state and to one of
its claims, and reads the claim as a sentence. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.e2e.chromium import shot, start_chromium, visible
from tests.ldsupport import ld_settings
from tests.support import thread_server

pytestmark = pytest.mark.e2e

@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with thread_server(ld_settings()) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


def test_from_the_home_page_to_a_state_and_to_its_claim(server: str, browser: WebDriver) -> None:
    browser.get(f"{server}/")
    assert "graphsvc" in browser.title
    assert "Who claims what" in visible(browser)
    shot(browser, "home")

    browser.find_element(By.LINK_TEXT, "South Korea").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "South Korea"
    assert browser.current_url == f"{server}/doc/state/south-korea.html"
    text = visible(browser)
    assert "Claims made by South Korea" in text
    assert "South Korea (as “Seoul”) says 300 North Korean soldiers have been killed" in text
    shot(browser, "state-page")

    browser.find_element(By.LINK_TEXT, "300 North Korean soldiers have been killed").click()
    assert browser.current_url == f"{server}/doc/claim/sk-300-killed.html"
    sentence = " ".join(browser.find_element(By.CSS_SELECTOR, "p.sentence").text.split())
    assert sentence == (
        "South Korea (as “Seoul”) says 300 North Korean soldiers have been killed — reported in "
        "The Daily Test, 13 January 2025, status: estimated."
    )
    assert "“South Korea says that 300 North Korean soldiers have been killed”" in visible(browser)
    path = shot(browser, "claim-page")
    assert path.exists()


def test_what_south_korea_claimed_is_two_clicks_through_the_class_list(
    server: str, browser: WebDriver
) -> None:
    browser.get(f"{server}/")
    browser.find_element(By.LINK_TEXT, "state").click()  # click 1: the class "state"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Every state"
    browser.find_element(By.LINK_TEXT, "South Korea").click()  # click 2: the state
    text = visible(browser)
    assert "Claims made by South Korea" in text
    assert "says 300 North Korean soldiers have been killed" in text
