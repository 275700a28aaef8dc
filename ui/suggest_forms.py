"""The community's forms (suggest a place, something is wrong here) and staff's review queue."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from mapping.infra.errors import MappingError
from mapping.people.suggestions import Suggestions
from mapping.present.escape import markdown_text as md
from mapping.records.assets import CATEGORIES, category
from mapping.sources.catalog import language_name
from mapping.sources.datasets import Dataset
from ui import context
from ui import messages as msg
from ui.access import account, allowed
from ui.asset_forms import place_in_dataset

_CATS = [c.key for c in CATEGORIES]
#: At most this many suggestions from one browser session in ten minutes.
SESSION_LIMIT = 5
PRIVACY = ("Only library staff see your name and contact, to reply to you. They are never "
           "shown on the map or published.")


@st.cache_resource(show_spinner=False)
def _suggestions(url: str) -> Suggestions:
    return Suggestions(context.store())


def suggestions() -> Suggestions:
    """The review queue of the shared asset database."""
    return _suggestions(context.settings().store_url)


def _sender() -> tuple[str, int | None]:
    me = account()
    return (me.label, me.id) if me else ("public", None)


def _too_many() -> bool:
    """A flood guard per browser session (the queue itself has a ceiling too)."""
    now = time.time()
    recent = [t for t in st.session_state.get("_sg_sent", []) if now - t < 600]
    st.session_state["_sg_sent"] = recent
    if len(recent) >= SESSION_LIMIT:
        msg.error("Thank you: that is several suggestions at once. Please send more in ten "
                  "minutes.")
        return True
    return False


def _sent(what: str) -> None:
    st.session_state.setdefault("_sg_sent", []).append(time.time())
    for key in [k for k in st.session_state if str(k).startswith("sg_")]:
        del st.session_state[key]
    st.session_state["sg_flash"] = what
    st.rerun()


def suggest_place_form(data: Dataset) -> None:
    """A new place, put on a small map, with what the person knows about it."""
    place_in_dataset("sg", data)
    with st.form("suggest_place"):
        c1, c2 = st.columns(2)
        name = c1.text_input("Name of the place", key="sg_name")
        cat = c2.selectbox("What kind of place", _CATS, key="sg_cat",
                           format_func=lambda k: category(k).label)
        address = c1.text_input("Address (if you know it)", key="sg_address")
        languages = c2.text_input("Languages spoken there (separated by ;)", key="sg_langs")
        services = c1.text_input("What they offer (separated by ;)", key="sg_services")
        lat = c2.number_input("Latitude", -90.0, 90.0, value=None, format="%.6f", key="sg_lat",
                              placeholder="click the map above")
        lon = c2.number_input("Longitude", -180.0, 180.0, value=None, format="%.6f",
                              key="sg_lon", placeholder="click the map above")
        about = st.text_area("Anything else the library should know", key="sg_about")
        contact_name, contact = _contact_fields()
        if st.form_submit_button("Send to the library", type="primary") and not _too_many():
            if lat is None or lon is None:
                msg.error("Not sent: click the place on the map above first.")
                return
            sender, account_id = _sender()
            try:
                suggestions().suggest_place(
                    name=name, category=cat, latitude=lat, longitude=lon, address=address,
                    languages=languages, services=services, description=about,
                    contact_name=contact_name, contact=contact, sent_by=sender,
                    account_id=account_id)
            except MappingError as exc:
                msg.error(f"Not sent: {exc}")
                return
            _sent("Thank you! Library staff will look at your suggestion before it appears "
                  "on the map.")


def report_problem_form(data: Dataset, asset_id: str | None) -> None:
    """Something is wrong with a place on the map (closed, moved, another number ...)."""
    public = data.assets[data.assets["visibility"] == "public"].sort_values("name")
    if public.empty:
        st.info("This dataset has no places on the map yet.")
        return
    ids = public["asset_id"].tolist()
    names = dict(zip(ids, public["name"].astype(str), strict=True))
    with st.form("report_problem"):
        picked = st.selectbox("Which place", ids, format_func=names.get, key="sg_asset",
                              index=ids.index(asset_id) if asset_id in names else 0)
        what = st.text_area("What is wrong (closed, moved, another phone number, other "
                            "languages ...)", key="sg_what")
        contact_name, contact = _contact_fields()
        if st.form_submit_button("Send to the library", type="primary") and not _too_many():
            sender, account_id = _sender()
            try:
                suggestions().report_problem(picked, description=what,
                                             contact_name=contact_name, contact=contact,
                                             sent_by=sender, account_id=account_id)
            except MappingError as exc:
                msg.error(f"Not sent: {exc}")
                return
            _sent("Thank you! Library staff will check it.")


def _contact_fields() -> tuple[str, str]:
    st.caption(PRIVACY)
    c1, c2 = st.columns(2)
    return (c1.text_input("Your name (optional)", key="sg_contact_name"),
            c2.text_input("E-mail or phone, if you would like a reply (optional)",
                          key="sg_contact"))


def review_queue(user: str) -> None:
    """Open suggestions, newest first (20 at a time): approve, merge, mark fixed, decline."""
    queue = suggestions()
    frame = queue.frame(status="open", with_contact=allowed("see_contacts"))
    if frame.empty:
        st.caption("No suggestions wait for review.")
        return
    assets = context.store().assets_frame()
    names = dict(zip(assets["asset_id"], assets["name"].astype(str), strict=True))
    for row in frame.head(20).to_dict("records"):
        with st.container(border=True):
            _review_one(queue, row, names, user)


def _review_one(queue: Suggestions, row: dict, names: dict[str, str], user: str) -> None:
    sid = int(row["id"])
    when = pd.Timestamp(row["created_at"]).strftime("%Y-%m-%d")
    if row["kind"] == "new place":
        st.markdown(f"**New place: {md(row['name'])}** · {md(category(row['category']).label)}"
                    f" · sent {when} by {md(row['sent_by'])}")
        details = [row["address"], ", ".join(language_name(c) for c in row["languages"]),
                   ", ".join(row["services"])]
        st.caption(md(" · ".join(d for d in details if d)) or "No address or languages given.")
    else:
        st.markdown(f"**Something is wrong with {md(names.get(row['asset_id'], row['name']))}**"
                    f" · sent {when} by {md(row['sent_by'])}")
    if row["description"]:
        st.markdown(md(row["description"]))
    if row.get("contact") or row.get("contact_name"):
        st.caption(md(f"Contact (personal, staff only): {row.get('contact_name') or ''} "
                      f"{row.get('contact') or ''}".strip()))
    note = st.text_input("Note (why; kept with the decision)", key=f"rv_note_{sid}")
    c1, c2, c3 = st.columns(3)
    try:
        if row["kind"] == "new place":
            if c1.button("Approve: add to the map", key=f"rv_ok_{sid}"):
                made = queue.approve(sid, by=user, branch=account().branch if account() else "")
                _reviewed(f"Added '{row['name']}' to the asset database ({made}).")
            same = c2.selectbox("Or it is already here as", ["", *sorted(names, key=names.get)],
                                format_func=lambda a: names.get(a, "(pick an asset)"),
                                key=f"rv_same_{sid}")
            if same and c2.button("Merge into that asset", key=f"rv_merge_{sid}"):
                queue.merge(sid, same, by=user, note=note)
                _reviewed(f"Merged into '{names[same]}'.")
        elif c1.button("Fixed: the asset is corrected", key=f"rv_fixed_{sid}"):
            queue.fixed(sid, by=user, note=note)
            _reviewed("Marked fixed.")
        if c3.button("Decline", key=f"rv_no_{sid}"):
            queue.decline(sid, by=user, note=note)
            _reviewed("Declined.")
    except MappingError as exc:
        msg.error(f"Not done: {exc}")


def _reviewed(what: str) -> None:
    st.session_state["asset_flash"] = what
    st.rerun()
