"""Messages to the user, with any text from data or input shown as text, never as Markdown.

``st.error`` and friends render Markdown: a file name or a typed value such as
``[x](javascript:...)`` or ``**`` must not turn into a link or formatting.
"""

from __future__ import annotations

import streamlit as st

from mapping.present.escape import markdown_text


def error(text: object) -> None:
    """Show an error (the text is escaped)."""
    st.error(markdown_text(text))


def warning(text: object) -> None:
    """Show a warning (the text is escaped)."""
    st.warning(markdown_text(text))


def info(text: object) -> None:
    """Show a note (the text is escaped)."""
    st.info(markdown_text(text))


def success(text: object) -> None:
    """Show a success message (the text is escaped)."""
    st.success(markdown_text(text))


def bullet(text: object) -> None:
    """Show one line of a report as a list item (the text is escaped)."""
    st.markdown("- " + markdown_text(text))
