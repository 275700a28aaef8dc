"""A page's own choices in its URL, so a copied link reproduces what the person sees.

The sidebar's filters have their own parameters (``ui.filters``); a page keeps its other
choices (the gap page's radius, the profile page's selection...) with these two helpers,
under names listed in ``ui.filters.PAGE_PARAMS`` (the sidebar leaves those alone).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st


def restore(key: str, param: str, *, default: Any, decode: Callable[[str], Any] = str) -> None:
    """Give widget ``key`` its value before it is drawn: from the link the first time the
    page runs in this session (when the link has a usable ``param``), else ``default``.

    The widget is then drawn without a ``value`` argument (the session state holds it).
    """
    flag = f"_url_read_{param}"
    if not st.session_state.get(flag):
        st.session_state[flag] = True
        if param in st.query_params:
            try:
                st.session_state[key] = decode(st.query_params[param])
                return
            except (TypeError, ValueError, KeyError):
                pass  # a hand-edited link: the default instead
    st.session_state.setdefault(key, default)


def keep(param: str, value: Any, *, default: Any = None,
         encode: Callable[[Any], str] = str) -> None:
    """Write ``value`` to the URL as ``param`` (left out when it is the default or empty)."""
    if value is None or value == default or value == [] or value == ():
        if param in st.query_params:
            del st.query_params[param]
        return
    text = encode(value)
    if st.query_params.get(param) != text:
        st.query_params[param] = text


def int_in(low: int, high: int) -> Callable[[str], int]:
    """A decoder for whole numbers between ``low`` and ``high`` (others are refused)."""
    def decode(text: str) -> int:
        number = int(text)
        if not low <= number <= high:
            raise ValueError(f"{number} is outside {low}-{high}")
        return number
    return decode
