"""A confirmation that survives the rerun after a save ("Saved.", "Decision recorded.").

A page calls ``show(page)`` once near its top, and ``done(page, message)`` after a successful write:
the message is kept in session state, the script reruns with fresh data, and ``show`` prints it.
``show`` always draws the same element, so tabs below it keep their place (and the open tab).
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st


def _key(page: str) -> str:
    return f"{page}_flash"


def show(page: str) -> None:
    box = st.empty()
    message = st.session_state.pop(_key(page), None)
    if message:
        box.success(message)


def done(page: str, message: str, *forget: str) -> NoReturn:
    """Remember ``message``, drop the session keys in ``forget`` (e.g. a form's opened version), rerun."""
    for key in forget:
        st.session_state.pop(key, None)
    st.session_state[_key(page)] = message
    st.rerun()
