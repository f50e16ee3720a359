"""Home: the go-live countdown (or days since go-live), the user's role and the areas it can open."""

import datetime as dt

import streamlit as st

from auth.roles import ROLE_LABELS, pages_for
from ui import session
from ui.links import page_link

user = session.require_role("home")
settings = session.settings()
today = dt.date.today()
days = (settings.go_live - today).days

st.title(settings.raw.get("project", {}).get("practice_name", "Go-live dashboard"))
st.caption(f"Welcome, {user.display_name}." + (" This is the demo practice." if settings.demo else ""))

when, role = st.columns(2)
if days > 0:
    when.metric("Days to go-live", days, help="Counting down to the planned go-live date.")
    when.caption(f"Planned go-live: {settings.go_live:%A, %B %-d, %Y}")
elif days == 0:
    when.metric("Go-live", "Today")
    when.caption(f"Go-live: {settings.go_live:%A, %B %-d, %Y}")
else:
    when.metric("Days since go-live", -days, help="Counting from the day the new system went live.")
    when.caption(f"Went live on {settings.go_live:%A, %B %-d, %Y}")
role.metric("Your role", ROLE_LABELS.get(user.role, user.role))

areas = [spec for spec in pages_for(user.role) if spec.key != "home"]
st.subheader("Your areas")
if not areas:
    st.info("Nothing else is open to your role yet.")
sections: dict[str, list] = {}
for spec in areas:
    sections.setdefault(spec.section, []).append(spec)
for column, (section, specs) in zip(st.columns(max(1, min(3, len(sections)))) * len(sections),
                                    sections.items(), strict=False):
    with column:
        st.markdown(f"**{section}**")
        for spec in specs:
            page_link(spec.key)
