"""Home: the go-live countdown (or days since go-live), the user's role and where to go next."""

import datetime as dt

import streamlit as st

from auth.roles import ROLE_LABELS, pages_for
from ui import session

user = session.require_role("home")
settings = session.settings()
today = dt.date.today()
days = (settings.go_live - today).days

st.title(settings.raw.get("project", {}).get("practice_name", "Go-live dashboard"))
col1, col2 = st.columns(2)
if days > 0:
    col1.metric("Days to go-live", days, help=f"Planned go-live: {settings.go_live:%b %d, %Y}")
elif days == 0:
    col1.metric("Go-live", "Today", help=f"Go-live: {settings.go_live:%b %d, %Y}")
else:
    col1.metric("Days since go-live", -days, help=f"Went live on {settings.go_live:%b %d, %Y}")
col2.metric("Your role", ROLE_LABELS.get(user.role, user.role))

st.subheader("Your areas")
for spec in pages_for(user.role):
    if spec.key != "home":
        st.page_link(str(spec.path.relative_to(spec.path.parent.parent)), label=f"{spec.section} · {spec.title}",
                     icon=spec.icon or None)
