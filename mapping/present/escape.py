"""The one place where text from data is made safe for HTML and JavaScript.

Folium escapes nothing: a popup, tooltip or legend string goes into the page as markup,
and strings placed in generated JavaScript can break out of their literal. Every string
that comes from data passes through :func:`html_text` (for markup) or :func:`js_string`
(for a JavaScript literal) before it reaches a map or a page. By house rule only names
ending in ``_html`` hold markup.
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any

# Characters that could end a <script> block, open a template substitution or a
# string in any quoting style; escaped as \\uXXXX inside JSON/JS literals.
_JS_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "`": "\\u0060",
    "$": "\\u0024",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JS_TABLE = str.maketrans(_JS_UNSAFE)


def html_text(value: Any) -> str:
    """Return ``value`` as text that is safe to place in HTML (element or attribute).

    ``None`` and NaN become the empty string.

    Examples
    --------
    >>> html_text('<img src=x onerror=alert(1)>')
    '&lt;img src=x onerror=alert(1)&gt;'
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return html.escape(str(value), quote=True)


def js_string(value: Any) -> str:
    """Return a JavaScript string literal (with its quotes) holding ``value`` as text.

    Safe inside a ``<script>`` block and inside a template literal: ``</script>``,
    backticks, ``${`` and backslashes cannot escape the literal.

    Examples
    --------
    >>> js_string('${alert(1)}')
    '"\\\\u0024{alert(1)}"'
    """
    return json.dumps("" if value is None else str(value), ensure_ascii=False).translate(_JS_TABLE)


def js_json(value: Any) -> str:
    """Return ``value`` (JSON-serialisable) as a JavaScript expression safe in a script block."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).translate(
        _JS_TABLE
    )


def safe_url(value: Any) -> str:
    """Return ``value`` if it is an http(s) URL, else the empty string.

    A ``javascript:`` or ``data:`` link from data must never become clickable.
    """
    text = "" if value is None else str(value).strip()
    if isinstance(value, float) and math.isnan(value):
        return ""
    if text.lower().startswith(("http://", "https://")):
        return text
    if text.lower().startswith("www."):
        return "https://" + text
    return ""


# Characters that make links, images, HTML, emphasis, code, tables, maths, or Streamlit's
# ":color[...]" and ":emoji:" directives. Dots and hyphens only make lists: left as they are.
_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+!|~$:"})


def markdown_text(value: Any) -> str:
    r"""Return ``value`` as Markdown that renders as the literal text (no links, images, HTML).

    Examples
    --------
    >>> markdown_text("a*b")
    'a\\*b'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).translate(_MARKDOWN_SPECIAL)


def neutralise_formula(text: str) -> str:
    """Return text a spreadsheet will not run as a formula (leading = + - @ tab CR quoted).

    Examples
    --------
    >>> neutralise_formula("=HYPERLINK(1)"), neutralise_formula("Mexico")
    ("'=HYPERLINK(1)", 'Mexico')
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


_PLAIN_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def spreadsheet_cell(text: str) -> str:
    """Return a text cell safe to open in a spreadsheet: a formula is neutralised, a plain
    number (a negative longitude) is left as it is.

    Examples
    --------
    >>> spreadsheet_cell("-87.623400"), spreadsheet_cell("-1+cmd|' /C calc'!A0")
    ('-87.623400', "'-1+cmd|' /C calc'!A0")
    """
    return text if _PLAIN_NUMBER.fullmatch(text) else neutralise_formula(text)
