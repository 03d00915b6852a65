"""The body of a report's table, rendered in Python.

A province-wide report is a table of every agency (exchange-summary: ~220 rows × 11 cells,
most of them links to their drill-down): through the template engine its cells were ~80 ms of
CPU a page (a `{% url %}` and a few lookups per cell). The markup is the one report.html had;
values are localized and escaped as `{{ cell.value }}` was."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def report_body(report, table, query: str):
    """`<tr>`s of the report's rows; a cell with `drill` links to the documents it counts."""
    cell_url = escape(f"{reverse('reports:cell', args=[report.name])}?{query}")
    out = []
    for row in table:
        cells = []
        for cell in row:
            value = cell.get("value")
            shown = "—" if value is None else conditional_escape(localize(value))
            if cell.get("drill"):
                key = escape(quote(str(cell["key"]), safe="/"))
                column = escape(cell["column"])
                cells.append(
                    f'<td><a href="{cell_url}&amp;key={key}&amp;column={column}" '
                    f'data-testid="cell-{column}">{"" if value is None else shown}</a></td>'
                )
            else:
                cells.append(f"<td>{shown}</td>")
        out.append(f"<tr>{''.join(cells)}</tr>\n    ")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
