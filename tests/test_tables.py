"""cnnviz.ui.tables: the lesson's tables as plain HTML, escaped, numbers as a student reads them."""

import re

import numpy as np
import pandas as pd
import pytest

from cnnviz.ui import tables


def test_columns_rows_and_frames_give_the_same_columns():
    columns = {"layer": ["conv_1", "pool_1"], "parameters": [320, 0]}
    rows = [{"layer": "conv_1", "parameters": 320}, {"layer": "pool_1", "parameters": 0}]
    assert tables.columns_of(columns) == tables.columns_of(rows) == columns
    assert tables.columns_of(pd.DataFrame(columns, index=[7, 9])) == columns  # the index is left out


@pytest.mark.parametrize("data, words", [
    ({"a": [1, 2], "b": [3]}, "one length each"),
    ([{"a": 1}, {"b": 2}], "must have the columns ['a']"),
])
def test_ragged_tables_are_refused_with_a_sentence(data, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        tables.columns_of(data)


@pytest.mark.parametrize("value, text", [
    (60000, "60,000"), (np.int64(1199882), "1,199,882"), (0.99123, "0.99123"), (np.float32(0.5), "0.5"),
    (1 / 3, "0.3333333333"), (None, "-"), (float("nan"), "-"), (True, "True"), ("(28, 28)", "(28, 28)"),
])
def test_cells_read_as_a_student_reads_them(value, text):
    assert tables.cell_text(value) == text


def test_the_html_escapes_text_and_right_aligns_number_columns():
    page = tables.html_table({"name": ["<b>x</b>", "y & z"], "count": [1200, None]}, label='a "label"')
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "y &amp; z" in page and "<b>" not in page
    assert 'aria-label="a &quot;label&quot;"' in page
    assert '<th scope="col" class="cnnviz-number">count</th>' in page and '<td class="cnnviz-number">1,200</td>' in page
    assert '<th scope="col">name</th>' in page and page.count("<tr>") == 3


def test_an_empty_table_is_a_header_only_table():
    assert "<tbody></tbody>" in tables.html_table({"a": []}) and tables.html_table([]).count("<th ") == 0
