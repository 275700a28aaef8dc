"""Escaping of text from data for HTML, JavaScript and Markdown (datasette-style: both ways)."""

import json

import pytest

from mapping.present.escape import html_text, js_json, js_string, markdown_text, safe_url


@pytest.mark.parametrize("text,expected", [
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ('a "quoted" & \'single\'', "a &quot;quoted&quot; &amp; &#x27;single&#x27;"),
    (None, ""),
    (float("nan"), ""),
    (12, "12"),
])
def test_html_text(text, expected):
    assert html_text(text) == expected


@pytest.mark.parametrize("text", [
    "${alert(1)}", "`; alert(1); `", "</script><script>alert(1)</script>", "back\\slash",
    "quote\" and ' apostrophe", "line\u2028separator", "plain",
])
def test_js_string_is_a_literal_that_decodes_to_the_text(text):
    literal = js_string(text)
    for dangerous in ("</", "`", "${", "\u2028"):
        assert dangerous not in literal
    assert literal.startswith('"') and literal.endswith('"')
    assert json.loads(literal) == text  # JSON \\u escapes are valid JavaScript escapes too


def test_js_json_escapes_strings_inside_structures():
    out = js_json({"n": "</script>${x}`"})
    assert "</script>" not in out and "${" not in out and "`" not in out
    assert json.loads(out) == {"n": "</script>${x}`"}


@pytest.mark.parametrize("url,expected", [
    ("https://example.org/x", "https://example.org/x"),
    ("javascript:alert(1)", ""),
    ("data:text/html,<b>x</b>", ""),
    ("www.chipublib.org", "https://www.chipublib.org"),
    (None, ""),
])
def test_safe_url(url, expected):
    assert safe_url(url) == expected


@pytest.mark.parametrize("text,expected", [
    ("[x](javascript:alert(1))", r"\[x\]\(javascript\:alert\(1\)\)"),
    ("<b>bold</b>", r"\<b\>bold\</b\>"),
    ("**not bold**", r"\*\*not bold\*\*"),
])
def test_markdown_text(text, expected):
    assert markdown_text(text) == expected
