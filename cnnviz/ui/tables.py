"""Tables as plain HTML: a lesson's tables have a few columns and at most a few hundred rows, and
Streamlit's data grid (``st.dataframe``, also what ``st.table`` needs) costs a student's browser
1.2-1.3 MB of JavaScript to read them (benchmarks/browser_pages.py). An HTML table needs none,
wraps on a projector instead of cutting a column off, and takes the page's text size.
"""

from __future__ import annotations

import html
import math
import numbers

TABLE_CSS = """
.cnnviz-table-box { max-height: 26rem; overflow: auto; border: 1px solid rgba(49, 51, 63, 0.2);
  border-radius: 0.5rem; }
.cnnviz-table { border-collapse: collapse; width: 100%; font-size: 0.9rem; font-variant-numeric: tabular-nums; }
.cnnviz-table th, .cnnviz-table td { padding: 0.25rem 0.6rem; border-bottom: 1px solid rgba(49, 51, 63, 0.12);
  text-align: left; vertical-align: top; }
.cnnviz-table th { position: sticky; top: 0; background: #eef2f7; font-weight: 600; }
.cnnviz-table td.cnnviz-number, .cnnviz-table th.cnnviz-number { text-align: right; white-space: nowrap; }
.cnnviz-table tbody tr:last-child td { border-bottom: none; }
"""


def columns_of(data) -> dict[str, list]:
    """``data`` as ``{column name: values}``.

    Args:
        data: columns (a dict of equal-length lists), rows (a list of dicts with the same keys, in the
            first row's order) or a pandas DataFrame (its index is left out, as ``hide_index`` did).

    Raises:
        ValueError: columns of different lengths, or rows with other keys than the first row.
    """
    if hasattr(data, "to_dict") and hasattr(data, "columns"):
        return {str(name): list(data[name]) for name in data.columns}
    if isinstance(data, dict):
        columns = {str(name): list(values) for name, values in data.items()}
        if len({len(values) for values in columns.values()}) > 1:
            raise ValueError(f"A table's columns must have one length each; these have "
                             f"{sorted({len(values) for values in columns.values()})} values.")
        return columns
    rows = list(data)
    if not rows:
        return {}
    names = list(rows[0])
    if any(list(row) != names for row in rows):
        raise ValueError(f"Every row of a table must have the columns {names}.")
    return {str(name): [row[name] for row in rows] for name in names}


def cell_text(value) -> str:
    """A cell as a student reads it: whole numbers with thousands separators (``60,000``), other
    numbers with up to 10 significant digits (``0.9912``), ``-`` for a missing value, else ``str``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return f"{float(value):,.10g}"
    return str(value)


def is_number_column(values: list) -> bool:
    """True when every present value is a number (not a bool): the column is right-aligned."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return bool(present) and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in present)


def html_table(data, label: str | None = None) -> str:
    """``data`` (see :func:`columns_of`) as an HTML table in a scrolling box, every text escaped.

    Args:
        label: the table's accessible name (``aria-label``), e.g. what it lists.
    """
    columns = columns_of(data)
    numeric = {name: is_number_column(values) for name, values in columns.items()}
    number_class = ' class="cnnviz-number"'
    head = "".join(f"<th scope=\"col\"{number_class if numeric[name] else ''}>{html.escape(name)}</th>"
                   for name in columns)
    row_count = len(next(iter(columns.values()), []))
    body = "".join(
        "<tr>" + "".join(f"<td{number_class if numeric[name] else ''}>{html.escape(cell_text(values[row]))}</td>"
                         for name, values in columns.items()) + "</tr>"
        for row in range(row_count))
    name = f' aria-label="{html.escape(label)}"' if label else ""
    return (f'<div class="cnnviz-table-box"><table class="cnnviz-table"{name}><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")
