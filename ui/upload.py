"""The "add your own data" form: upload files, map their columns, save the dataset.

Widgets only; reading, checking and saving are in :mod:`mapping.sources.uploads` and
:mod:`mapping.sources.datasets`.
"""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from pathlib import Path

import pandas as pd
import streamlit as st

from mapping.infra.errors import DataError, MappingError
from mapping.present.escape import markdown_text as md
from mapping.records.assets import CATEGORIES
from mapping.sources.catalog import LANGUAGE_GROUPS, ROLES, TOPICS
from mapping.sources.datasets import read_table, read_vector
from mapping.sources.uploads import (
    ASSET_TYPES,
    BOUNDARY_TYPES,
    TABLE_TYPES,
    JoinProposal,
    build_spec,
    propose_asset_columns,
    propose_join,
    propose_variables,
    prune_folders,
    remove_dataset,
    save_dataset,
    slugify,
    store_upload,
)
from ui import context
from ui import messages as msg

NONE = "(none)"


def session_folder() -> Path:
    """A private folder per browser session for files being uploaded (two people uploading
    ``assets.csv`` at once never read each other's); folders of sessions idle for a day
    are removed when a new one is made."""
    if "_upload_dir" not in st.session_state:
        root = context.settings().data_dir / "cache" / "uploads"
        root.mkdir(parents=True, exist_ok=True)
        prune_folders(root, older_than_s=24 * 3600)
        st.session_state["_upload_dir"] = tempfile.mkdtemp(prefix=uuid.uuid4().hex[:8], dir=root)
    folder = Path(st.session_state["_upload_dir"])
    folder.mkdir(parents=True, exist_ok=True)  # pruned under a session idle for a day
    return folder


def _upload(label: str, types: tuple[str, ...], key: str, help_text: str) -> Path | None:
    file = st.file_uploader(label, type=[t.lstrip(".") for t in types], key=key, help=help_text)
    if file is None:
        return None
    try:
        return store_upload(file.name, file.getvalue(), session_folder() / key, allowed=types,
                            max_bytes=context.settings().max_upload_bytes)
    except MappingError as exc:  # refused upload: say why; other steps stay as they are
        msg.error(str(exc))
        return None


def _columns_of(path: Path, *, vector: bool) -> list[str]:
    frame = read_vector(path).drop(columns="geometry") if vector else read_table(path)
    _say_encoding(frame, path.name)
    return [str(c).strip() for c in frame.columns]


def _say_encoding(frame: object, name: str) -> None:
    """Say when a CSV was not UTF-8 and which encoding it was read with."""
    encoding = getattr(frame, "attrs", {}).get("encoding")
    if encoding and encoding != "utf-8":
        st.caption(f"{md(name)} was read as {encoding} text (not UTF-8): check that accented "
                   "names look right below.")


def remove_form() -> None:
    """Take a saved dataset off the list (kept 30 days under data/datasets/.removed/)."""
    settings = context.settings()
    saved = [e for e in context.datasets()
             if e.spec_path is not None and e.spec_path.parent.parent == settings.datasets_dir]
    with st.expander(f"Remove a saved dataset ({len(saved)} saved of "
                     f"{settings.max_datasets} allowed)"):
        if not saved:
            st.caption("No dataset has been saved on this server yet.")
            return
        names = {e.id: e.name for e in saved}
        chosen = st.selectbox("Dataset to remove", list(names), format_func=names.get,
                              key="remove_dataset")
        sure = st.checkbox("Everyone will stop seeing it. Assets imported from it stay in the "
                           "asset database.", key="remove_sure")
        if st.button("Remove", disabled=not sure, key="remove_go"):
            try:
                kept = remove_dataset(settings, chosen)
            except MappingError as exc:
                msg.error(str(exc))
                return
            st.session_state["data_flash"] = (
                f"Removed '{names[chosen]}'. An administrator can bring it back within 30 days "
                f"from {kept.relative_to(settings.data_dir)}.")
            st.rerun()


def upload_form() -> None:
    """Render the whole upload-and-map form and save the dataset when asked.

    The form proposes what it can tell from the files (which id columns join, which
    columns are statistics, their margins of error, roles, labels and universes): a
    usual upload is two files and one click.
    """
    st.markdown("Upload an **area boundary file** and a **statistics table** that share an id "
                "column, check what the form proposes, and save. Optionally add an **asset "
                "table**. Files stay on this server under `data/datasets/`.")
    name = st.text_input("Dataset name", placeholder="e.g. Hennepin County tracts")
    c1, c2 = st.columns(2)
    source = c1.text_input("Source", placeholder="e.g. ACS 2018-2022 5-year, table B05006")
    year = c2.text_input("Year or period", placeholder="e.g. 2018-2022")
    try:
        st.markdown("#### 1. Areas")
        boundary = _upload("Boundary file", BOUNDARY_TYPES, "boundary",
                           "GeoJSON, GeoPackage or a zipped shapefile, in any CRS the file "
                           "declares.")
        st.markdown("#### 2. Statistics")
        table = _upload("Statistics table (CSV)", TABLE_TYPES, "table",
                        "One row per area. Margins of error in their own columns, if you have "
                        "them.")
        areas = read_vector(boundary) if boundary else None
        frame = read_table(table) if table else None
        join = propose_join(areas, frame) if areas is not None and frame is not None else None
        if areas is not None and frame is not None and join is None:
            msg.warning("No column of the table matches the areas' ids: pick the id columns "
                        "and a prefix to remove or the zero-padding below, or build the id "
                        "from several columns.")
        area_spec = _areas_step(boundary, areas, join)
        table_spec = _table_step(table, frame, join)
        st.markdown("#### 3. Assets (optional)")
        asset_files = _assets_step()
    except MappingError as exc:  # a file that cannot be read: say why, keep the rest
        msg.error(str(exc))
        return
    if not st.button("Check and save dataset", type="primary",
                     disabled=area_spec is None or table_spec is None):
        return
    files = {p.name: p for p in (boundary, table, *(f for f, _ in asset_files))
             if p is not None}
    try:
        if len(files) < 2 + len(asset_files):
            raise DataError("two of the uploaded files have the same name; rename one")
        spec = build_spec(name=name or slugify(boundary.name if boundary else "dataset"),
                          source=source, year=year, areas=area_spec or {},
                          tables=[table_spec] if table_spec else [],
                          assets=[spec for _, spec in asset_files])
        with st.spinner("Checking the files as the map will read them..."):
            dataset_id, report = save_dataset(spec, files, context.settings())
    except MappingError as exc:
        msg.error(f"Not saved: {exc}")
        return
    msg.success(f"Saved as '{dataset_id}'. Pick it in the Dataset list in the sidebar.")
    for line in report.notes + report.warnings:
        msg.bullet(line)
    if report.rejected:
        st.dataframe(pd.DataFrame([vars(r) for r in report.rejected]), hide_index=True)
    st.download_button("Download the dataset description (JSON)", json.dumps(spec, indent=2),
                       file_name=f"{dataset_id}.json", mime="application/json",
                       help="To reuse it, or to load the same files on another server "
                            "(NAM_DATASET=path/to/it.json).")


def _index(options: list[str], wanted: str | None) -> int:
    return options.index(wanted) if wanted in options else 0


def _areas_step(boundary: Path | None, areas: pd.DataFrame | None,
                join: JoinProposal | None) -> dict[str, object] | None:
    if boundary is None or areas is None:
        return None
    cols = [str(c) for c in areas.columns if c != "geometry"]
    _say_encoding(areas, boundary.name)
    a1, a2, a3 = st.columns(3)
    id_col = a1.selectbox("Area id column", cols, key="b_id",
                          index=_index(cols, join.area_column if join else None))
    names = [c for c in cols if re.match(r"(?i)^(namelsad|name)", c)]
    name_col = a2.selectbox("Area name column", [NONE, *cols], key="b_name",
                            index=_index([NONE, *cols], names[0] if names else None))
    width = a3.number_input("Pad ids with zeros to (0: as is)", 0, 20, 0, key="b_width",
                            help="US tract GEOIDs have 11 digits; a spreadsheet may have "
                                 "dropped the leading zero.")
    return {"path": boundary.name, "id": id_col, "name": None if name_col == NONE else name_col,
            "id_width": int(width) or None}


def _table_step(table: Path | None, frame: pd.DataFrame | None,
                join: JoinProposal | None) -> dict[str, object] | None:
    if table is None or frame is None:
        return None
    _say_encoding(frame, table.name)
    cols = [str(c) for c in frame.columns]
    if join is not None:
        msg.success(f"Proposed join: {join.sentence()}.")
    t1, t2, t3 = st.columns(3)
    tid = t1.selectbox("Id column (joins to the areas)", cols, key="t_id",
                       index=_index(cols, join.table_column if join else None),
                       help="Or a template built from several columns, below.")
    prefix = t2.text_input("Remove this prefix from ids", key="t_prefix",
                           value=(join.id_prefix or "") if join else "",
                           help="data.census.gov ids look like 1400000US17031010100.")
    width = t3.number_input("Pad ids to", 0, 20, (join.id_width or 0) if join else 0,
                            key="t_width")
    m1, m2 = st.columns(2)
    template = m1.text_input("Or build the id from several columns", key="t_template",
                             placeholder="e.g. 36{COUNTY:3}{TRACT:6}",
                             help="Column names in braces, with the width to zero-pad to, "
                                  "around fixed text.")
    missing = m2.text_input("Codes this table uses for a missing value", key="t_missing",
                            placeholder="e.g. -99999", help="Besides the ACS codes, which are "
                            "always read as missing.")
    try:
        codes = [float(v) for v in re.split(r"[,\s]+", missing.strip()) if v]
    except ValueError:
        raise DataError(f"missing-value codes must be numbers, not {missing!r}") from None
    return {"path": table.name, "id": template.strip() or tid, "id_prefix": prefix or None,
            "id_width": int(width) or None, "missing_values": codes,
            "variables": _variable_editor(frame, exclude=tid)}


def _assets_step() -> list[tuple[Path, dict[str, object]]]:
    """Asset files, each with its own column mapping (a city's libraries and its schools)."""
    out = []
    count = int(st.session_state.get("asset_files", 1))
    for i in range(count):
        label = "Asset table" if i == 0 else f"Asset table {i + 1}"
        assets_file = _upload(label, ASSET_TYPES, f"assets{i}" if i else "assets",
                              "GeoJSON/GeoPackage points, or a CSV with latitude and longitude "
                              "columns or one '(lat, lon)' column.")
        if assets_file is not None:
            out.append((assets_file, asset_mapping(assets_file, key=f"a{i}" if i else "a")))
    if len(out) == count and st.button("Add another asset file", key="asset_more"):
        st.session_state["asset_files"] = count + 1
        st.rerun()
    return out


def _none(value: str) -> str | None:
    return None if value == NONE else value


def _variable_editor(frame: pd.DataFrame, *, exclude: str) -> list[dict[str, object]]:
    proposed = propose_variables(frame, exclude=[exclude])
    if proposed.empty:
        msg.warning("No column of this table holds numbers that could be mapped.")
        return []
    st.caption("Ticked: the columns proposed for the map, with their margins of error, roles "
               "and the column a share is of (the universe). Change anything, or tick more.")
    numeric = list(proposed["column"])
    moe_options = [NONE, *(c for c in frame.columns if str(c) not in numeric)]
    editor = proposed.fillna(NONE).replace({None: NONE})
    edited = st.data_editor(
        editor, hide_index=True, key="t_vars", width="stretch",
        disabled=["column"],
        column_config={
            "topic": st.column_config.SelectboxColumn(options=list(TOPICS), required=True),
            "role": st.column_config.SelectboxColumn(options=[NONE, *ROLES]),
            "language": st.column_config.SelectboxColumn(
                options=[NONE, *(g.key for g in LANGUAGE_GROUPS)],
                help="For limited-English counts: the language group."),
            "moe_column": st.column_config.SelectboxColumn(options=moe_options),
            "universe": st.column_config.SelectboxColumn(options=[NONE, *numeric]),
        })
    out = []
    for row in edited[edited["use"]].to_dict("records"):
        out.append({"id": row["column"], "estimate": row["column"], "label": row["label"],
                    "topic": row["topic"],
                    "role": None if row["role"] in (NONE, None) else row["role"],
                    "language": None if row["language"] in (NONE, None) else row["language"],
                    "moe": None if row["moe_column"] in (NONE, None) else row["moe_column"],
                    "universe": None if row["universe"] in (NONE, None) else row["universe"]})
    return out


def asset_mapping(path: Path, *, allow_geocode: bool = False, key: str = "a"
                  ) -> dict[str, object]:
    is_csv = path.suffix.lower() == ".csv"
    cols = _columns_of(path, vector=not is_csv)
    options = [NONE, *cols]
    spec: dict[str, object] = {"path": path.name}
    fields: dict[str, object] = {}
    guess = propose_asset_columns(cols)
    c1, c2 = st.columns(2)
    fields["name"] = c1.selectbox("Name column", cols, key=f"{key}_name",
                                  index=_index(cols, guess.get("name")))
    cat_col = c2.selectbox("Category column", options, key=f"{key}_cat",
                           index=_index(options, guess.get("category")),
                           help="Its values must be category names; or pick one category "
                                "for every row below.")
    if cat_col == NONE:
        fields["category"] = {"value": st.selectbox(
            "Category of every row", [c.key for c in CATEGORIES], key=f"{key}_catval",
            format_func=lambda k: next(c.label for c in CATEGORIES if c.key == k))}
    else:
        fields["category"] = cat_col
    if is_csv:
        l1, l2, l3 = st.columns(3)
        loc = l1.selectbox("One '(lat, lon)' column", options, key=f"{key}_loc",
                           index=_index(options, guess.get("location")))
        how = l2.radio("Otherwise, coordinates from", ["latitude/longitude columns",
                                                       "addresses (geocode them)"],
                       key=f"{key}_how", disabled=loc != NONE or not allow_geocode)
        if loc != NONE:
            spec["location"] = loc
        elif how.startswith("addresses"):
            g1, g2, g3, g4 = st.columns(4)
            spec["geocode"] = {
                "street": g1.selectbox("Street column", cols, key=f"{key}_street"),
                "city": _none(g2.selectbox("City column", options, key=f"{key}_city")),
                "state": _none(g3.selectbox("State column", options, key=f"{key}_state")),
                "zip": _none(g4.selectbox("ZIP column", options, key=f"{key}_zip"))}
        else:
            spec["latitude"] = l2.selectbox("Latitude column", cols, key=f"{key}_lat",
                                            index=_index(cols, guess.get("latitude")))
            spec["longitude"] = l3.selectbox("Longitude column", cols, key=f"{key}_lon",
                                             index=_index(cols, guess.get("longitude")))
    optional = ("organization", "services", "languages", "communities", "address", "phone",
                "website", "hours", "description")
    grid = st.columns(3)
    for i, field in enumerate(optional):
        choice = grid[i % 3].selectbox(f"{field.capitalize()} column", options,
                                       key=f"{key}_{field}",
                                       index=_index(options, guess.get(field)))
        if choice != NONE:
            fields[field] = choice
    spec["fields"] = fields
    return spec
