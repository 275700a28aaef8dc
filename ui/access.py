"""Who is using the app: the public, or staff who entered the passcode."""

from __future__ import annotations

import hmac

import streamlit as st

from mapping.infra.attempts import AttemptLimiter
from ui import context


def is_staff() -> bool:
    """True when this session may edit and see staff-only information."""
    passcode = context.settings().staff_passcode
    return passcode is None or bool(st.session_state.get("_staff"))


def staff_sign_in() -> None:
    """A sidebar field to enter the staff passcode (shown only when one is set)."""
    passcode = context.settings().staff_passcode
    if passcode is None:
        return
    if st.session_state.get("_staff"):
        if st.sidebar.button("Sign out (staff)"):
            st.session_state["_staff"] = False
            st.rerun()
        return
    st.sidebar.text_input("Staff passcode", type="password", key="staff_passcode_typed",
                          on_change=_check, args=(passcode,))
    if refused := st.session_state.pop("_staff_refused", None):
        st.sidebar.error(refused)


@st.cache_resource
def _limiter() -> AttemptLimiter:
    """One count of wrong guesses per process, shared by every session."""
    return AttemptLimiter(limit=5, window=600, lockout=300)


def _check(passcode: str) -> None:
    """Callback: refuse while locked out, compare in constant time, forget what was typed."""
    typed = st.session_state.get("staff_passcode_typed", "")
    st.session_state["staff_passcode_typed"] = ""
    if not typed:
        return
    limiter = _limiter()
    wait = limiter.locked_for("staff")
    if wait > 0:
        st.session_state["_staff_refused"] = (
            f"Too many wrong passcodes: try again in {max(1, round(wait / 60))} minute(s).")
        return
    ok = hmac.compare_digest(typed.encode(), passcode.encode())
    st.session_state["_staff"] = ok
    if ok:
        limiter.succeeded("staff")
    else:
        limiter.failed("staff")
        st.session_state["_staff_refused"] = "That passcode is not right."


def require_staff() -> None:
    """Stop a staff page for the public, saying how to get in."""
    if not is_staff():
        st.info("This is for library staff: enter the staff passcode in the sidebar.")
        st.stop()
