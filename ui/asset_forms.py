"""Forms of the asset database page: add, edit (with conflicts), history, delete/restore."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from mapping.infra.errors import MappingError
from mapping.interchange.exports import export_frame, to_csv, to_geojson, to_geopackage
from mapping.interchange.hsds import (
    HSDS_SOURCE,
    already_here,
    is_hsds3_json,
    place_by_address,
    read_hsds,
    write_hsds,
    write_hsds3_json,
    write_hsds3_tabular,
)
from mapping.present.escape import markdown_text as md
from mapping.present.render import FastMap
from mapping.records.addresses import ADDRESS_FIELDS, state_postal
from mapping.records.assets import (
    CATEGORIES,
    ENTRY_TECHNIQUES,
    STATUSES,
    VISIBILITIES,
    RowProblem,
    category,
    field_changes,
    normalize_assets,
    reject_outside,
)
from mapping.records.geocode import CensusGeocoder, NominatimGeocoder, add_coordinates
from mapping.records.store import EditConflict, Store
from mapping.sources.catalog import language_name
from mapping.sources.datasets import check_zip, load_assets, read_table
from mapping.sources.uploads import ASSET_TYPES, store_upload
from ui import context
from ui import messages as msg
from ui.access import editor, may_edit
from ui.upload import asset_mapping, session_folder

_CATS = [c.key for c in CATEGORIES]


def _fields(prefix: str, current: dict[str, Any] | None = None) -> dict[str, Any]:
    cur = current or {}
    c1, c2 = st.columns(2)
    out: dict[str, Any] = {
        "name": c1.text_input("Name", cur.get("name", ""), key=f"{prefix}_name"),
        "organization": c2.text_input("Organization", cur.get("organization", ""),
                                      key=f"{prefix}_org"),
        "category": c1.selectbox("Category", _CATS, index=_CATS.index(cur.get("category", "settlement")),
                                 format_func=lambda k: category(k).label, key=f"{prefix}_cat"),
        "status": c2.selectbox("Status", STATUSES, index=STATUSES.index(cur.get("status", "active")),
                               key=f"{prefix}_status"),
        "services": c1.text_input("Services (separated by ;)", "; ".join(cur.get("services", ())),
                                  key=f"{prefix}_svc"),
        "languages": c2.text_input("Languages served (names or ISO codes, by ;)",
                                   "; ".join(cur.get("languages", ())), key=f"{prefix}_lang"),
        "communities": c1.text_input("Communities served (countries or regions, by ;)",
                                     "; ".join(cur.get("communities", ())), key=f"{prefix}_com"),
        "address": c2.text_input("Address", cur.get("address", ""), key=f"{prefix}_addr",
                                 help=_address_help(cur)),
        "latitude": c1.number_input("Latitude", -90.0, 90.0, float(cur.get("latitude", 0.0)),
                                    format="%.6f", key=f"{prefix}_lat"),
        "longitude": c2.number_input("Longitude", -180.0, 180.0, float(cur.get("longitude", 0.0)),
                                     format="%.6f", key=f"{prefix}_lon"),
        "phone": c1.text_input("Public phone", cur.get("phone", ""), key=f"{prefix}_phone"),
        "website": c2.text_input("Website", cur.get("website", ""), key=f"{prefix}_web"),
        "hours": c1.text_input("Hours", cur.get("hours", ""), key=f"{prefix}_hours"),
        "branch": c2.text_input("Branch that owns the record", cur.get("branch", ""),
                                key=f"{prefix}_branch"),
        "visibility": c1.selectbox("Visibility", VISIBILITIES,
                                   index=VISIBILITIES.index(cur.get("visibility", "public")),
                                   key=f"{prefix}_vis",
                                   help="Sensitive sites are never drawn at their exact point."),
        "found_by": c2.selectbox("How it was found", ENTRY_TECHNIQUES,
                                 index=ENTRY_TECHNIQUES.index(cur.get("found_by", "walkabout"))
                                 if cur.get("found_by") in ENTRY_TECHNIQUES else 1,
                                 key=f"{prefix}_found"),
    }
    out["description"] = st.text_area("Notes (public)", cur.get("description", ""),
                                      key=f"{prefix}_desc")
    return out


def _address_help(current: dict[str, Any]) -> str:
    parts = [str(current.get(f) or "") for f in ADDRESS_FIELDS]
    saved = " · ".join(md(p) for p in parts if p)
    return ("One line, as on an envelope; saved with its parts (street, city, state, ZIP) "
            "for Open Referral." + (f" Saved as: {saved}." if saved else ""))


def add_form(store: Store, user: str, *, centre: tuple[float, float] = (0.0, 0.0)) -> None:
    """A form to add an asset; on a refusal the typed values stay in the form."""
    place_on_map("add", latitude=centre[0], longitude=centre[1])
    with st.form("add_asset", clear_on_submit=False):
        fields = _fields("add")
        if st.form_submit_button("Add asset", type="primary"):
            if not user:
                msg.error("Type your name above first: every change records who made it.")
                return
            if fields["latitude"] == 0 and fields["longitude"] == 0:
                msg.error("Not added: place it first. Click its spot on the map above, or "
                          "type its latitude and longitude (0, 0 is in the ocean).")
                return
            try:
                row = store.create_asset(fields, user=user)
            except MappingError as exc:  # the typed values stay in the form
                msg.error(f"Not added: {exc}")
                return
            _forget_form("add_")
            st.session_state["asset_flash"] = f"Added '{row['name']}'."
            st.rerun()


def edit_form(store: Store, asset_id: str, user: str, *, flash_key: str | None = None,
              flash_tag: str | None = None) -> None:
    """Edit one asset against the version read when it was opened; handle conflicts.

    Only the fields the person changed are saved, on top of whatever is saved by then;
    if someone else saved in between, those changes are kept aside as a draft, shown
    beside the saved values, and put back in the form to save again. With ``flash_key``
    the outcome is kept there (as ``(flash_tag, outcome)`` when a tag is given) and the
    page reruns (so a map beside it shows the change).
    """
    opened = st.session_state.setdefault(f"opened_{asset_id}", store.get_asset(asset_id))
    draft: dict[str, Any] = st.session_state.get(f"draft_{asset_id}", {})
    if draft:
        msg.warning("This asset was changed by someone else after you opened it. Your version "
                   "is kept below next to the saved one. Save again to keep yours.")
        current = store.get_asset(asset_id)
        st.dataframe(pd.DataFrame({"field": list(draft),
                                   "saved now": [_text(current.get(k)) for k in draft],
                                   "your version": [_text(v) for v in draft.values()]}),
                     hide_index=True)
        st.session_state[f"opened_{asset_id}"] = opened = current
    shown = {**opened, **draft}
    with st.expander("Move it on the map"):
        place_on_map(f"edit_{asset_id}", latitude=float(shown["latitude"]),
                     longitude=float(shown["longitude"]))
    with st.form(f"edit_{asset_id}"):
        fields = _fields(f"edit_{asset_id}", shown)
        save = st.form_submit_button("Save changes", type="primary")
        verified = st.form_submit_button("Mark verified today")
    if not (save or verified):
        return
    if not user:
        msg.error("Type your name above first: every change records who made it.")
        return
    changes = {k: v for k, v in fields.items() if _differs(v, opened.get(k))}
    try:
        if verified:
            store.mark_verified(asset_id, expected_version=opened["version"], user=user)
        elif changes:
            store.update_asset(asset_id, changes, expected_version=opened["version"], user=user)
    except EditConflict:
        st.session_state[f"draft_{asset_id}"] = changes
        st.session_state.pop(f"opened_{asset_id}", None)
        _forget_form(f"edit_{asset_id}_")  # redraw from the saved record plus the draft
        st.rerun()
    except MappingError as exc:
        msg.error(f"Not saved: {exc}")
        return
    st.session_state.pop(f"draft_{asset_id}", None)
    st.session_state.pop(f"opened_{asset_id}", None)
    _forget_form(f"edit_{asset_id}_")
    outcome = "Saved." if changes or verified else "Nothing to save: no field changed."
    if flash_key is not None:
        st.session_state[flash_key] = outcome if flash_tag is None else (flash_tag, outcome)
        st.rerun()
    msg.success(outcome)


def map_panel_actions(store: Store, asset_id: str) -> None:
    """What staff do with an asset clicked on the map, without leaving the map: mark it
    verified, log a contact there, add a next step to the action plan, edit any field.

    Each action is a form: one click saves once, and what was typed stays in the form
    when the database refuses it (with the reason).
    """
    # The outcome of the last action stays while this asset is open: the reruns that
    # follow a save (the map taking the new data) must not wipe the confirmation.
    flash = st.session_state.get("panel_flash")
    if isinstance(flash, tuple) and flash[0] == asset_id:
        msg.success(flash[1])
    elif flash is not None:
        st.session_state.pop("panel_flash", None)
    try:
        record = store.get_asset(asset_id)
    except MappingError:
        st.caption("Not in the asset database (it may have been deleted).")
        return
    user = editor()
    st.caption(f"Last verified: {record.get('last_verified') or 'never'} · "
               f"version {record['version']}")
    with st.expander("Log a contact here"), st.form(f"panel_log_{asset_id}"):
        how = st.selectbox("How", ENTRY_TECHNIQUES, index=1, key=f"panel_log_{asset_id}_how")
        summary = st.text_area("What happened", key=f"panel_log_{asset_id}_summary")
        follow_up = st.text_input("Follow-up", key=f"panel_log_{asset_id}_follow")
        if st.form_submit_button("Log contact"):
            _panel_save(lambda: store.log_outreach(
                date=date.today(), technique=how, staff=user, summary=summary,
                asset_id=asset_id, follow_up=follow_up),
                user, f"panel_log_{asset_id}_", "Contact logged.", "Not logged", asset_id)
    with st.expander("Add a next step"), st.form(f"panel_step_{asset_id}"):
        step = st.text_input("Next step", key=f"panel_step_{asset_id}_text")
        owner = st.text_input("Who (you, if left empty)", key=f"panel_step_{asset_id}_owner")
        due = st.date_input("When", value=None, key=f"panel_step_{asset_id}_due")
        if st.form_submit_button("Add to the action plan"):
            _panel_save(lambda: store.add_action(step=step, owner=owner.strip() or user,
                                                 due=due, asset_id=asset_id, user=user),
                        user, f"panel_step_{asset_id}_", "Added to the action plan.",
                        "Not added", asset_id)
    # A toggle, not an expander: the form holds an expander of its own (move on the map).
    if st.toggle("Edit or verify this asset", key=f"panel_edit_{asset_id}"):
        edit_form(store, asset_id, user, flash_key="panel_flash", flash_tag=asset_id)


def _panel_save(action: Callable[[], object], user: str, form_prefix: str, done: str,
                refused: str, asset_id: str) -> None:
    if not user:
        msg.error("Type your name above first: every change records who made it.")
        return
    try:
        action()
    except MappingError as exc:  # what was typed stays in the form
        msg.error(f"{refused}: {exc}")
        return
    _forget_form(form_prefix)
    st.session_state["panel_flash"] = (asset_id, done)
    st.rerun()


def _forget_form(prefix: str) -> None:
    """Drop a form's widget values so it is drawn again from the record."""
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def _text(value: Any) -> str:
    return "; ".join(value) if isinstance(value, list | tuple) else str(value)


def _differs(form_value: Any, saved: Any) -> bool:
    """True when a form value means something else than the saved one."""
    if isinstance(saved, list | tuple):
        parts = tuple(p.strip() for p in str(form_value).split(";") if p.strip())
        return parts != tuple(saved)
    if isinstance(saved, float) or isinstance(form_value, float):
        try:
            return abs(float(form_value) - float(saved)) > 1e-7
        except (TypeError, ValueError):
            return True
    return (form_value or "") != (saved or "")


#: Rows per page of the asset table (thousands of records stay quick to scan and pick).
PAGE_SIZE = 100


def readable_records(records: pd.DataFrame) -> pd.DataFrame:
    """The asset table as staff read it: named columns, categories and languages by name."""
    return pd.DataFrame({
        "Name": records["name"],
        "Category": records["category"].map(lambda k: category(k).label),
        "Organization": records["organization"],
        "Serves in": records["languages"].map(
            lambda codes: ", ".join(language_name(c) for c in codes or ())),
        "Communities": records["communities"].map(lambda c: ", ".join(c or ())),
        "Address": records["address"],
        "Status": records["status"],
        "Branch": records["branch"],
        "Last verified": records["last_verified"],
        "Changed by": records["updated_by"],
        "Version": records["version"],
        "Deleted": records["deleted"],
    })


def sources_section(data: Any) -> None:
    """Where the dataset's assets come from: each source file, its rows taken into the
    database, and every row refused with the reason (so nothing is lost silently)."""
    refused = [p for source in data.asset_sources for p in source.rejected]
    with st.expander(f"Where this dataset's assets come from ({len(data.asset_sources)} "
                     f"source(s), {len(refused):,} row(s) refused)"):
        for source in data.asset_sources:
            st.markdown(f"- **{md(source.label)}**: {len(source.assets):,} rows in the "
                        f"database, {len(source.rejected):,} refused")
        if refused:
            st.dataframe(pd.DataFrame([{"source": p.source, "row": p.row, "reason": p.reason}
                                       for p in refused]), hide_index=True, width="stretch")


def asset_section(store: Store, asset: Any, user: str) -> None:
    """One picked asset: edit, delete or restore it, its contacts and its history."""
    st.subheader(md(asset["name"]))
    if asset["deleted"]:
        if st.button("Restore this asset"):
            try:
                store.restore_asset(asset["asset_id"], user=user or "unknown")
                st.rerun()
            except MappingError as exc:
                msg.error(str(exc))
    elif not may_edit(str(asset["branch"] or "")):
        st.info(md(f"This asset belongs to the {asset['branch']} branch: this library keeps "
                   "edits to each branch's own assets. Ask its staff, or an administrator."))
    else:
        edit_form(store, asset["asset_id"], user, flash_key="asset_flash")
        if st.button("Delete this asset", key="delete_asset"):
            try:
                store.delete_asset(asset["asset_id"], expected_version=int(asset["version"]),
                                   user=user or "unknown")
                st.rerun()
            except MappingError as exc:
                msg.error(str(exc))
    with st.expander("Personal contacts (staff only; never on the map or in exports)"):
        contacts_section(store, asset["asset_id"], user)
    with st.expander("History of this record"):
        st.dataframe(history_table(store, asset["asset_id"]), hide_index=True, width="stretch")


def history_table(store: Store, asset_id: str) -> pd.DataFrame:
    """The history of one asset as a table: when, who, what, and which fields changed how."""
    return pd.DataFrame(field_changes(store.history(asset_id)),
                        columns=["when", "who", "what", "version", "changes"])


def export_buttons(records: pd.DataFrame, areas: Any) -> None:
    """Download buttons for the public export of the listed assets."""
    frame = export_frame(records.loc[~records["deleted"].astype(bool)], areas, audience="public")
    st.caption(f"{len(frame):,} assets. Personal contacts are never exported.")
    c1, c2, c3 = st.columns(3)
    c1.download_button("CSV (spreadsheets)", to_csv(frame), "community-assets.csv", "text/csv")
    c2.download_button("GeoJSON (web maps)", to_geojson(frame), "community-assets.geojson",
                       "application/geo+json")
    c3.download_button("GeoPackage (QGIS)", to_geopackage(frame), "community-assets.gpkg",
                       "application/geopackage+sqlite3")
    first = str(areas.index[0]) if len(areas) else ""
    state = state_postal(first[:2]) if first[:2].isdigit() else ""
    st.caption("Open Referral (HSDS) for 211 lines, city directories and partners. Version "
               "3.0 is the current one and keeps every field of this app; 1.1 is for older "
               "systems.")
    h1, h2, h3 = st.columns(3)
    # Made when clicked; no rerun on the click (a rerun while the file is being made could
    # replace the button, and the file, before the browser fetched it).
    h1.download_button("HSDS 3.0 (JSON)", lambda: write_hsds3_json(frame, state=state),
                       "community-assets-hsds3.json", "application/json", on_click="ignore")
    h2.download_button("HSDS 3.0 (tables, zip)", lambda: write_hsds3_tabular(frame, state=state),
                       "community-assets-hsds3.zip", "application/zip", on_click="ignore")
    h3.download_button("HSDS 1.1 (tables, zip)", lambda: write_hsds(frame),
                       "community-assets-hsds-1-1.zip", "application/zip", on_click="ignore")


def import_form(store: Store, data: Any, user: str) -> None:
    """Import a file of assets: map its columns, check it, then add the good rows at once."""

    file = st.file_uploader("CSV, GeoJSON, GeoPackage, or Open Referral: an HSDS 3.0, 1.x or "
                            "Ohana package (zip) or HSDS 3.0 JSON",
                            type=[*(t.lstrip(".") for t in ASSET_TYPES), "zip", "json"],
                            key="import_file")
    if file is None:
        return
    settings = context.settings()
    hsds = file.name.lower().endswith(".zip") or (
        file.name.lower().endswith(".json") and is_hsds3_json(file.getvalue()))
    try:
        path = store_upload(file.name, file.getvalue(), session_folder() / "import",
                            allowed=(*ASSET_TYPES, ".zip", ".json"),
                            max_bytes=settings.max_upload_bytes)
        spec = {} if hsds else asset_mapping(path, allow_geocode=True)
    except MappingError as exc:
        msg.error(str(exc))
        return
    if st.button("Check the file"):
        try:
            if hsds:
                records, problems, unplaced = _read_hsds_upload(store, path)
            else:
                path, spec, unplaced = _geocode_step(store, path, spec)
                records, problems = load_assets(path, spec)
            problems = [RowProblem(p.source, p.row, "the geocoder did not find this address: "
                                   "add the asset by hand with its coordinates")
                        if p.row in unplaced else p for p in problems]
            records, outside = reject_outside(records, data.area_set.areas,
                                              where=data.area_set.title)
        except MappingError as exc:
            msg.error(f"Cannot read it: {exc}")
            return
        here = already_here(records, store.assets_frame(include_deleted=True)) if hsds \
            else pd.Series(False, index=records.index)
        st.session_state["import_checked"] = (file.name, records.loc[~here.to_numpy()],
                                              problems + outside, int(here.sum()))
    checked = st.session_state.get("import_checked")
    if not checked or checked[0] != file.name:
        return
    _, records, problems, here_count = checked
    st.markdown(f"**{len(records):,} rows ready**, {len(problems):,} refused.")
    if here_count:
        st.info(f"{here_count:,} records are this database's own assets (from one of its "
                "exports) and are left as they are.")
    st.dataframe(records[["name", "category", "address", "languages"]].head(20), hide_index=True)
    if problems:
        st.dataframe(pd.DataFrame([vars(p) for p in problems]), hide_index=True)
    if st.button(f"Import the {len(records):,} good rows", type="primary",
                 disabled=not len(records) or not user):
        try:
            result = store.import_assets(
                records, user=user, rejected=problems,
                **({"source_key": HSDS_SOURCE, "label": "Open Referral (HSDS)"} if hsds else {}))
        except MappingError as exc:
            msg.error(f"Nothing was imported: {exc}")
            return
        st.session_state.pop("import_checked", None)
        st.session_state["asset_flash"] = f"Imported in one go: {result.summary()}"
        st.rerun()


def _read_hsds_upload(store: Store, path: Any) -> tuple[Any, list[RowProblem], list[int]]:
    """Read an uploaded Open Referral package; place locations without coordinates by
    their address. Returns the records, the refused rows, and the rows not found."""
    raw = read_hsds_raw(path)
    lat = pd.to_numeric(raw.get("latitude"), errors="coerce") if len(raw) else None
    unplaced: list[int] = []
    if lat is not None and lat.isna().any():
        bar = st.progress(0.0, text="Geocoding locations that have an address but no "
                                    "coordinates")
        raw, unplaced = place_by_address(raw, geocoder=_geocoder(), cache=store,
                                         progress=lambda f, m: bar.progress(min(f, 1.0),
                                                                            text=m))
    records, problems = normalize_assets(raw, source=Path(path).name)
    return records, problems, unplaced


def read_hsds_raw(path: Any) -> Any:
    """Read an Open Referral package from an uploaded zip (checked, extracted flat) or an
    HSDS 3.0 JSON file."""
    with tempfile.TemporaryDirectory() as tmp:
        if Path(path).suffix.lower() == ".json":  # HSDS 3.0 JSON, as the API returns it
            shutil.copy(path, Path(tmp) / "services.json")
        else:
            check_zip(path)
            with zipfile.ZipFile(path) as zf:
                for member in zf.namelist():
                    name = Path(member).name
                    if name.endswith((".csv", ".json")):
                        (Path(tmp) / name).write_bytes(zf.read(member))
        records, _ = read_hsds(Path(tmp), source=Path(path).name)
    return records


def _geocoder() -> CensusGeocoder | NominatimGeocoder:
    """The geocoder the settings name (the Census Bureau's by default)."""
    settings = context.settings()
    if settings.geocoder == "census":
        return CensusGeocoder(base_url=settings.census_geocoder)
    return NominatimGeocoder(domain=settings.nominatim.split("://", 1)[1],
                             scheme=settings.nominatim.split("://", 1)[0])


def _geocode_step(store: Store, path: Any, spec: dict[str, Any]) -> tuple[Any, dict, list[int]]:
    """Geocode the addresses of a table when asked to; return the table to load, its
    description, and the rows (from 1) whose address was not found."""

    rule = spec.get("geocode")
    if not rule:
        return path, spec, []
    coder = _geocoder()
    bar = st.progress(0.0, text="Geocoding addresses")
    table, unmatched = add_coordinates(
        read_table(path), street=rule["street"], city=rule["city"], state=rule["state"],
        zip_column=rule["zip"], geocoder=coder, cache=store,
        progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
    placed = path.parent / "geocoded" / path.name  # same name: refusals cite the user's file
    placed.parent.mkdir(exist_ok=True)
    table.to_csv(placed, index=False)  # unmatched rows stay, without coordinates
    fields = dict(spec.get("fields", {}))
    fields.setdefault("address", {"columns": [c for c in (rule["street"], rule["city"],
                                                          rule["state"], rule["zip"]) if c]})
    spec = {k: v for k, v in spec.items() if k != "geocode"} | {
        "latitude": "latitude", "longitude": "longitude", "fields": fields}
    return placed, spec, unmatched


def place_in_dataset(prefix: str, data: Any) -> None:
    """:func:`place_on_map`, opened at the centre of a dataset's areas."""
    west, south, east, north = data.area_set.areas.total_bounds
    place_on_map(prefix, latitude=(south + north) / 2, longitude=(west + east) / 2)


def place_on_map(prefix: str, *, latitude: float, longitude: float) -> None:
    """A small map: click it to put the asset there (fills the form's coordinates)."""


    lat = float(st.session_state.get(f"{prefix}_lat", latitude) or latitude)
    lon = float(st.session_state.get(f"{prefix}_lon", longitude) or longitude)
    settings = context.settings()
    js, css = settings.leaflet_urls()
    m = FastMap(leaflet_js=js, leaflet_css=css, location=[lat, lon], zoom_start=15, tiles=None)
    if settings.tiles != "none":
        folium.TileLayer(settings.tiles).add_to(m)
    folium.CircleMarker([lat, lon], radius=7, color="#b30000", fill=True).add_to(m)
    st.caption("Click the map to put the place there; the coordinates below follow.")
    out = st_folium(m, height=260, use_container_width=True, key=f"place_{prefix}",
                    returned_objects=["last_clicked"])
    clicked = (out or {}).get("last_clicked")
    if clicked and clicked != st.session_state.get(f"{prefix}_clicked"):
        st.session_state[f"{prefix}_clicked"] = clicked
        st.session_state[f"{prefix}_lat"] = round(float(clicked["lat"]), 6)
        st.session_state[f"{prefix}_lon"] = round(float(clicked["lng"]), 6)
        st.rerun()


def contacts_section(store: Store, asset_id: str, user: str) -> None:
    """The named people at an asset, and a form to add one (the page is staff-only)."""
    people = store.contacts_of(asset_id)
    if len(people):
        st.dataframe(people[["name", "role", "phone", "email", "notes"]], hide_index=True)
    with st.form(f"contact_{asset_id}", clear_on_submit=True):
        c1, c2, c3, c4 = st.columns(4)
        name = c1.text_input("Name")
        role = c2.text_input("Role")
        phone = c3.text_input("Phone")
        email = c4.text_input("E-mail")
        notes = st.text_input("Notes")
        if st.form_submit_button("Add contact"):
            try:
                store.add_contact(asset_id, name=name, role=role, phone=phone, email=email,
                                  notes=notes, user=user or "unknown")
                st.rerun()
            except MappingError as exc:
                msg.error(f"Not added: {exc}")


def review_section(store: Store, user: str) -> None:
    """What an import left for staff to decide: likely duplicates, and records a source
    changed after staff edited them (both versions side by side)."""
    pairs = store.duplicate_candidates()
    changes = store.source_changes()
    if pairs.empty and not changes:
        st.caption("Nothing waits for review: no likely duplicate, no source change to an "
                   "edited record.")
        return
    for pair in pairs.itertuples(index=False):
        c1, c2, c3 = st.columns([4, 1, 1])
        c1.markdown(f"**{md(pair.name)}** ({md(pair.asset_id)}) and **{md(pair.other_name)}** "
                    f"({md(pair.other_id)}): {md(pair.reason)}")
        for col, label, merge in ((c2, "Merge", True), (c3, "Keep apart", False)):
            if col.button(label, key=f"dup_{label}_{pair.asset_id}_{pair.other_id}",
                          disabled=not user):
                try:
                    store.decide_duplicate(pair.asset_id, pair.other_id, merge=merge, user=user)
                    st.rerun()
                except MappingError as exc:
                    msg.error(str(exc))
    for change in changes:
        saved, incoming = change["saved"], change["incoming"]
        fields = [k for k in incoming if k in saved and _differs(incoming[k], saved[k])
                  and k not in ("asset_id", "source")]
        st.markdown(f"**{md(saved['name'])}**: the source changed it after staff edited it.")
        st.dataframe(pd.DataFrame({"field": fields,
                                   "saved": [_text(saved.get(k)) for k in fields],
                                   "in the source": [_text(incoming.get(k)) for k in fields]}),
                     hide_index=True)
        c1, c2 = st.columns(2)
        for col, label, take in ((c1, "Take the source's version", True),
                                 (c2, "Keep the saved version", False)):
            if col.button(label, key=f"src_{take}_{change['asset_id']}", disabled=not user):
                try:
                    store.settle_source_change(change["asset_id"], take_source=take, user=user)
                    st.rerun()
                except MappingError as exc:
                    msg.error(str(exc))
