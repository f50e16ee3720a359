"""Checklists: progress per list and per owner, tick items with evidence, edit items and templates."""

import datetime as dt

import streamlit as st

from tracker import checklists, plan, plan_rules
from ui import edit_conflict, session
from ui.exports import download_buttons

user = session.require_role("checklists")
settings = session.settings()
url = settings.database_url
actor = session.actor()
today = dt.date.today()
EDITORS = ("owner", "administrator", "implementation_lead")
editor = user.role in EDITORS

st.title("Checklists")
edit_conflict.show_flash("checklists")
profile = plan.get_profile(url)
items = checklists.list_items(url)
if not items:
    st.info("No checklists yet. They are created from the practice's templates when the plan is accepted.")
    if editor and st.button("Create checklists from the templates now", type="primary"):
        go_live = profile.target_go_live if profile else settings.go_live
        large = plan_rules.is_large_group(profile.rules_input()) if profile else False
        n = checklists.create_checklists(url, actor, go_live, large_group=large)
        edit_conflict.flash("checklists", f"{n} items created.")
        st.rerun()
    st.stop()

milestone_titles = {m.key: m.title for m in plan.list_milestones(url)}
by_list = checklists.progress_by_list(items)
left, right = st.columns(2)
with left:
    st.subheader("Progress per list")
    st.dataframe(by_list.drop(columns=["list_key"]), hide_index=True, width="stretch",
                 column_config={"progress": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent")})
with right:
    st.subheader("Progress per owner")
    st.dataframe(checklists.progress_by_owner(items, today), hide_index=True, width="stretch",
                 column_config={"progress": st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent")})

list_keys = list(checklists.LIST_TITLES)
chosen_list = st.selectbox("List", list_keys, format_func=checklists.LIST_TITLES.get, key="list_key")
shown = [i for i in items if i.list_key == chosen_list]
st.dataframe(checklists.items_frame(shown, today, milestone_titles).drop(columns=["list"]), hide_index=True,
             width="stretch")
download_buttons(checklists.items_frame(items, today, milestone_titles), "checklists", sheet="Checklists",
                 audit_resource="checklists")

editable = shown if editor else [i for i in shown if checklists.is_mine(i.owner, user.username, user.role)]
owners = checklists.owner_choices(url)
tabs = st.tabs(["Update an item", "Add an item", "Templates"] if editor else ["Update one of your items"])

with tabs[0]:
    if not editable:
        st.caption("None of this list's items are yours.")
    else:
        labels = {i.key: i.title for i in editable}
        key = st.selectbox("Item", list(labels), format_func=labels.get, key=f"item_{chosen_list}")
        item = checklists.item_state(url, key)
        v = edit_conflict.started_version("item", key, item.version, f"save_item_{key}", f"remove_item_{key}")
        with st.form(f"item_{key}_{v}"):
            done = st.checkbox("Done", item.done)
            evidence = st.text_input("Evidence (a note or a link)", item.evidence or "")
            changes = {"done": done, "evidence": evidence or None}
            if editor:
                c1, c2 = st.columns(2)
                opts = owners if item.owner in owners else [item.owner, *owners]
                changes["owner"] = c1.selectbox("Owner", opts, opts.index(item.owner), format_func=plan.owner_label)
                changes["due_date"] = c2.date_input("Due", item.due_date)
                changes["title"] = st.text_input("Title", item.title)
                gates = list(milestone_titles) or [item.gates]
                if item.gates not in gates:
                    gates = [item.gates, *gates]
                changes["gates"] = st.selectbox("Gates milestone", gates, gates.index(item.gates),
                                                format_func=lambda k: milestone_titles.get(k, k or "none"))
            c1, c2 = st.columns([1, 5])
            save = c1.form_submit_button("Save", type="primary", key=f"save_item_{key}")
            remove = c2.form_submit_button("Remove item", key=f"remove_item_{key}") if editor else False
        if save:
            edit_conflict.save("item", key, "checklists", f"Saved “{item.title}”.",
                               lambda: checklists.update_item(url, actor, key, v, **changes))
        if remove:
            edit_conflict.save("item", key, "checklists", f"Removed “{item.title}”.",
                               lambda: checklists.remove_item(url, actor, key, v))

if editor:
    with tabs[1], st.form("add_item", clear_on_submit=True):
        title = st.text_input("Title", key="new_item_title")
        c1, c2 = st.columns(2)
        owner = c1.selectbox("Owner", owners, format_func=plan.owner_label, key="new_item_owner")
        due = c2.date_input("Due", today + dt.timedelta(days=7), key="new_item_due")
        if st.form_submit_button(f"Add to “{checklists.LIST_TITLES[chosen_list]}”"):
            try:
                checklists.add_item(url, actor, list_key=chosen_list, title=title, owner=owner, due_date=due)
            except ValueError as exc:
                st.error(str(exc))
            else:
                edit_conflict.flash("checklists", f"Added “{title}”.")
                st.rerun()

    with tabs[2]:
        st.caption("The practice's templates for new checklists. Changes apply to items created from now on "
                   "(\"Create missing items\"); existing items keep their own text.")
        templates = checklists.list_templates(url, chosen_list)
        st.dataframe([{"key": t.key, "title": t.title, "owner": plan.owner_label(t.owner),
                       "due (days from go-live)": t.due_offset_days, "gates": milestone_titles.get(t.gates, t.gates),
                       "active": t.active} for t in templates], hide_index=True, width="stretch")
        if templates:
            tlabels = {t.key: t.title for t in templates}
            tkey = st.selectbox("Template item", list(tlabels), format_func=tlabels.get, key=f"tpl_{chosen_list}")
            t = next(x for x in templates if x.key == tkey)
            tv = edit_conflict.started_version("template", tkey, t.version, f"save_tpl_{tkey}")
            with st.form(f"tpl_{tkey}_{tv}"):
                ttitle = st.text_input("Title", t.title)
                c1, c2, c3 = st.columns(3)
                topts = owners if t.owner in owners else [t.owner, *owners]
                towner = c1.selectbox("Owner", topts, topts.index(t.owner), format_func=plan.owner_label)
                toffset = c2.number_input("Due (days from go-live, negative = before)", -365, 365, t.due_offset_days)
                tactive = c3.checkbox("Active", t.active)
                tsave = st.form_submit_button("Save template item", key=f"save_tpl_{tkey}")
            if tsave:
                edit_conflict.save("template", tkey, "checklists", "Template saved.",
                                   lambda: checklists.update_template_item(
                                       url, actor, tkey, tv, title=ttitle, owner=towner,
                                       due_offset_days=int(toffset), active=tactive))
        with st.form("add_template", clear_on_submit=True):
            ntitle = st.text_input("New template item", key="new_tpl_title")
            c1, c2 = st.columns(2)
            nowner = c1.selectbox("Owner", owners, format_func=plan.owner_label, key="new_tpl_owner")
            noffset = c2.number_input("Due (days from go-live)", -365, 365, -14, key="new_tpl_offset")
            if st.form_submit_button("Add template item"):
                try:
                    checklists.add_template_item(url, actor, list_key=chosen_list, title=ntitle, owner=nowner,
                                                 due_offset_days=int(noffset))
                except ValueError as exc:
                    st.error(str(exc))
                else:
                    edit_conflict.flash("checklists", "Template item added.")
                    st.rerun()
        if st.button("Create missing items from the templates"):
            go_live = profile.target_go_live if profile else settings.go_live
            n = checklists.create_checklists(url, actor, go_live)
            edit_conflict.flash("checklists", f"{n} item(s) created.")
            st.rerun()
