"""Typing a kernel weight on the "Convolution" page: the kernel's cells in the explorer itself open a
text box (no data grid: it loaded 1.2 MB of JavaScript for nine numbers). The edit goes through
Python's own parser, so the feature map, the link and the sentences come from tested code.

The pure part (``kernels.with_cell``) is tested directly; the rest in Chromium, as a student does it.
"""

import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from browser_support import open_app, run_state, screenshot, settles

from cnnviz.lesson import kernels, ops
from cnnviz.ui import convolution as convolution_ui

VERTICAL = kernels.as_text_grid(kernels.preset_weights("vertical edges"))  # the page's first kernel
EXPLORER = f".st-key-{convolution_ui.DIGIT_EXPLORER} .cx-root"


def test_with_cell_changes_one_cell_and_leaves_the_grid_alone():
    changed = kernels.with_cell(VERTICAL, 1, 2, " \u22121/2 ")
    assert changed[1][2] == "-1/2" and kernels.parse_grid(changed)[1, 2] == -0.5
    assert [row for r, row in enumerate(changed) if r != 1] == [row for r, row in enumerate(VERTICAL) if r != 1]
    assert VERTICAL == kernels.as_text_grid(kernels.preset_weights("vertical edges"))


@pytest.mark.parametrize("row, col, text, words", [
    (0, 0, "ten", "row 1, column 1 holds 'ten', which is not a number"),
    (2, 1, "", "row 3, column 2 is empty"),
    (1, 1, "1e9", "too large"),
    (3, 0, "1", "not in the kernel any more (it is now 3 x 3)"),
    (0, -1, "1", "not in the kernel any more"),
    ("0", 0, "1", "not in the kernel any more"),
    (True, 0, "1", "not in the kernel any more"),
])
def test_with_cell_refuses_with_a_sentence(row, col, text, words):
    with pytest.raises(kernels.KernelError, match=re.escape(words)):
        kernels.with_cell(VERTICAL, row, col, text)


def _kernel_cell(page, row: int, col: int):
    return page.locator(f'{EXPLORER} .cx-grid[data-grid="kernel"] .cx-c[data-row="{row}"][data-col="{col}"]')


def _output_cell(page, row: int, col: int) -> str:
    cell = page.locator(f'{EXPLORER} .cx-grid[data-grid="output"] .cx-c[data-row="{row}"][data-col="{col}"]')
    return cell.get_attribute("data-printed")


def _link_cells(page) -> str | None:
    return parse_qs(urlsplit(page.url).query).get("conv_cells", [None])[0]


@pytest.mark.browser
def test_a_student_types_kernel_weights_into_the_explorer(streamlit_server, browser_page):
    page = browser_page
    open_app(page, f"{streamlit_server}/convolution?conv_tab=On+a+real+digit")
    assert page.locator(EXPLORER).get_attribute("data-editable") == "true"
    assert page.locator('[data-testid="stDataFrame"], [data-testid="stDataFrameResizable"]').count() == 0

    # A click opens a box in the cell; Enter sends it; the explorer redraws with Python's kernel.
    _kernel_cell(page, 1, 1).click()
    box = page.locator(f"{EXPLORER} .cx-edit")
    assert box.input_value() == "0"
    box.fill("5")
    screenshot(page, "convolution-typing-a-weight")
    with settles(page):
        box.press("Enter")
    page.locator(f'{EXPLORER}[data-ready="true"]').wait_for()
    assert _kernel_cell(page, 1, 1).get_attribute("data-printed") == "5"
    weights = kernels.parse_grid(kernels.with_cell(VERTICAL, 1, 1, "5"))
    assert _link_cells(page) == kernels.grid_to_link(weights)
    digit = convolution_ui.scaled_digit(0)
    expected = ops.conv2d(np.round(digit, 4), weights)
    assert float(_output_cell(page, 13, 13)) == pytest.approx(expected[13, 13], abs=0.006)

    # The keyboard alone: focus a cell, Enter, type, Enter. A bad weight is a sentence; nothing changes.
    _kernel_cell(page, 0, 2).focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Control+A")
    page.keyboard.type("two")
    with settles(page):
        page.keyboard.press("Enter")
    main_text = page.locator('[data-testid="stMain"]').inner_text()
    assert "row 1, column 3 holds 'two', which is not a number" in main_text
    assert "keeps the weights it had" in main_text
    assert _kernel_cell(page, 0, 2).get_attribute("data-printed") == VERTICAL[0][2]
    assert _link_cells(page) == kernels.grid_to_link(weights)

    # Escape cancels without a run; "Back to the preset" puts the preset back and drops it from the link.
    marker = run_state(page)["run"]
    _kernel_cell(page, 2, 0).click()
    page.keyboard.type("9")
    page.keyboard.press("Escape")
    page.wait_for_timeout(500)
    assert run_state(page)["run"] == marker and _kernel_cell(page, 2, 0).get_attribute("data-printed") == VERTICAL[2][0]
    with settles(page):
        page.get_by_role("button", name="Back to the preset").click()
    assert _link_cells(page) is None
    assert _kernel_cell(page, 1, 1).get_attribute("data-printed") == "0"
    assert run_state(page)["exception"] == 0
