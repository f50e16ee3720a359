"""My items: the checklist items and milestones the signed-in user owns (by username or team role)."""

import datetime as dt

import streamlit as st

from tracker import checklists, plan
from ui import edit_conflict, session

user = session.require_role("my_items")
url = session.settings().database_url
actor = session.actor()
today = dt.date.today()

st.title("My items")
edit_conflict.show_flash("my_items")
roles = checklists.team_roles_for(user.role)
st.caption("Yours: items owned by your username" + (f" or by your team role ({', '.join(plan.owner_label(r) for r in roles)})"
                                                    if roles else "") + ".")
items = checklists.my_items(url, user.username, user.role)
open_items = [i for i in items if not i.done]
mine_ms = [m for m in plan.list_milestones(url) if checklists.is_mine(m.owner, user.username, user.role)]
c1, c2, c3 = st.columns(3)
c1.metric("Open checklist items", len(open_items))
c2.metric("Overdue", sum(i.overdue(today) for i in items))
c3.metric("Open milestones", sum(m.status != "done" for m in mine_ms))

if not items and not mine_ms:
    st.info("Nothing is assigned to you yet.")
    st.stop()

show_done = st.toggle("Show done items too", False)
listed = items if show_done else open_items
st.dataframe(checklists.items_frame(listed, today), hide_index=True, width="stretch")

if open_items:
    st.subheader("Tick an item")
    labels = {i.key: f"{checklists.LIST_TITLES.get(i.list_key, i.list_key)}: {i.title}" for i in open_items}
    key = st.selectbox("Item", list(labels), format_func=labels.get, key="my_item")
    item = checklists.item_state(url, key)
    v = edit_conflict.started_version("item", key, item.version, f"my_save_{key}")
    with st.form(f"my_item_{key}_{v}"):
        done = st.checkbox("Done", item.done)
        evidence = st.text_input("Evidence (a note or a link)", item.evidence or "")
        save = st.form_submit_button("Save", type="primary", key=f"my_save_{key}")
    if save:
        edit_conflict.save("item", key, "my_items", f"Saved “{item.title}”.",
                           lambda: checklists.update_item(url, actor, key, v, done=done, evidence=evidence or None))

if mine_ms:
    st.subheader("My milestones")
    st.dataframe(plan.milestones_frame(mine_ms, today).drop(columns=["on critical path"]), hide_index=True,
                 width="stretch")
