""""Your digit" in a real browser: upload a photo-like picture of a digit, see the seven
preprocessing steps and the MLP's prediction; then follow the link to "Inside the CNN"."""

import numpy as np
import pytest
from browser_support import open_app, run_state, screenshot, settles
from digit_photos import synthetic_photo

from cnnviz import zoo

pytestmark = pytest.mark.browser


def test_uploading_a_digit_photo_gives_a_prediction(streamlit_server, browser_page, mnist, tmp_path):
    (_, _), (x_test, y_test) = mnist
    photo = tmp_path / "my_seven.jpg"
    photo.write_bytes(synthetic_photo(x_test[0], np.random.default_rng(0)))  # x_test[0] is a 7

    open_app(browser_page, f"{streamlit_server}/your-digit")
    with settles(browser_page):
        browser_page.get_by_text("Upload a picture", exact=True).click()
    with settles(browser_page):
        browser_page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(photo))
    browser_page.get_by_text("MNIST's own preparation of your digit").wait_for(timeout=120_000)
    assert run_state(browser_page)["exception"] == 0
    assert browser_page.locator('[data-testid="stImage"]').count() == 7 + 1  # seven steps + an MNIST example
    if zoo.model_path("mlp").is_file():
        browser_page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
        assert browser_page.locator('[data-testid="stMetricValue"]').first.inner_text().strip() == str(y_test[0])
    browser_page.locator('h2:has-text("What the networks think")').scroll_into_view_if_needed()
    screenshot(browser_page, "your-digit-uploaded")

    with settles(browser_page):
        browser_page.get_by_role("button", name="See this digit inside the CNN").click()
    assert browser_page.url.split("?")[0].endswith("/inside-the-cnn"), browser_page.url
    assert run_state(browser_page)["exception"] == 0
    assert browser_page.get_by_text("your digit, after MNIST's normalisation").count() == 1


def test_the_button_to_inside_the_cnn_keeps_presenter_mode(streamlit_server, browser_page, mnist, tmp_path):
    """On the projector, "See this digit inside the CNN" must open the next page on the projector too:
    Streamlit forgets the presenter switch on a page change, so the new page's URL must carry it."""
    (_, _), (x_test, _) = mnist
    photo = tmp_path / "my_seven.jpg"
    photo.write_bytes(synthetic_photo(x_test[0], np.random.default_rng(1)))

    open_app(browser_page, f"{streamlit_server}/your-digit?digit_mode=Upload+a+picture&present=true")
    with settles(browser_page):
        browser_page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(photo))
    browser_page.get_by_text("MNIST's own preparation of your digit").wait_for(timeout=120_000)
    with settles(browser_page):
        browser_page.get_by_role("button", name="See this digit inside the CNN").click()
    assert browser_page.url.split("?")[0].endswith("/inside-the-cnn"), browser_page.url
    assert "present=true" in browser_page.url, browser_page.url
    assert browser_page.locator('input[aria-label="Presenter mode"]').is_checked()  # in the closed sidebar
    assert browser_page.get_by_text("your digit, after MNIST's normalisation").count() == 1
    screenshot(browser_page, "inside-the-cnn-own-digit-presenter")
