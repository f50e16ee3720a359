"""Optimistic-locking glue for edit forms (tracker/editing.py).

A form remembers the version of the record it was drawn from (``started_version``); saving passes it
back. On a conflict the page shows the other person's change beside the user's own; "Show their
version" (or any other rerun) redraws the form from the current record.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from tracker.editing import EditConflict, NotFound


def _key(kind: str, record_id) -> str:
    return f"editing_{kind}_{record_id}"


def started_version(kind: str, record_id, current: int, *submit_keys: str) -> int:
    """The version the form on screen was drawn from.

    On a run triggered by the form's own submit button (``submit_keys``), it is the version remembered
    when the form was drawn, so a change saved by someone else in between is detected. On every other
    run the form is redrawn from the current record, and that version is remembered.
    """
    key = _key(kind, record_id)
    if not any(st.session_state.get(k) for k in submit_keys) or key not in st.session_state:
        st.session_state[key] = current
    return st.session_state[key]


def finish(kind: str, record_id) -> None:
    st.session_state.pop(_key(kind, record_id), None)


def flash(page: str, message: str) -> None:
    st.session_state[f"flash_{page}"] = message


def show_flash(page: str) -> None:
    message = st.session_state.pop(f"flash_{page}", None)
    if message:
        st.success(message)


def show_conflict(exc: EditConflict, kind: str, record_id) -> None:
    """Tell the second writer what happened and show both versions; nothing was overwritten."""
    st.error(str(exc), icon=":material/sync_problem:")
    fields = sorted(set(exc.yours) | set(exc.theirs))
    st.dataframe(pd.DataFrame([{"field": f.replace("_", " "), "their saved value": str(exc.theirs.get(f, "")),
                                "your unsaved value": str(exc.yours.get(f, ""))} for f in fields]),
                 hide_index=True, width="stretch")
    if st.button("Show their version", key=f"reload_{kind}_{record_id}", icon=":material/refresh:"):
        finish(kind, record_id)
        st.rerun()


def save(kind: str, record_id, page: str, message: str, action: Callable[[], object]) -> None:
    """Run one save (or removal) of a versioned record. Done: its edit state is cleared, ``message`` is
    confirmed after the rerun. Someone saved first: both versions are shown. A refused value or a
    record that is gone: its message."""
    try:
        action()
    except EditConflict as exc:
        show_conflict(exc, kind, record_id)
    except (ValueError, NotFound) as exc:
        st.error(str(exc))
    else:
        finish(kind, record_id)
        flash(page, message)
        st.rerun()
