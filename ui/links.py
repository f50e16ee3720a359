"""Links between pages that respect the role and what is built.

``st.page_link`` to a page that is not in the current navigation raises (StreamlitPageNotFoundError):
the target may not be built yet, or the signed-in role may not open it. ``page_link`` here shows the
link only when it would work, and returns whether it did.

    from ui.links import page_link
    page_link("kpi_records", "See the claims behind a value")
"""

from __future__ import annotations

import streamlit as st

from auth.roles import PAGES_BY_KEY, can_view
from ui import session


def can_link(page_key: str) -> bool:
    user = session.current_user()
    spec = PAGES_BY_KEY.get(page_key)
    return user is not None and spec is not None and spec.path.exists() and can_view(user.role, page_key)


def page_link(page_key: str, label: str | None = None, icon: str | None = None, **kwargs) -> bool:
    """A link to ``app_pages/<page_key>.py`` when this user may open it; nothing (False) otherwise."""
    if not can_link(page_key):
        return False
    spec = PAGES_BY_KEY[page_key]
    st.page_link(f"app_pages/{page_key}.py", label=label or spec.title, icon=icon or spec.icon or None, **kwargs)
    return True
