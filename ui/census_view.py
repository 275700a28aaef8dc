"""The census page's forms: load counties from the Census API, or import a downloaded table."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import streamlit as st

from mapping.census import (
    FIRST_YEAR,
    CensusClient,
    CensusError,
    census_csv_variables,
    dataset_id_for,
    load_counties,
    read_census_csv,
    shipped_counties,
    shipped_states,
)
from mapping.errors import MappingError
from mapping.uploads import BOUNDARY_TYPES, build_spec, save_dataset, store_upload
from ui import context
from ui import messages as msg
from ui.upload import session_folder


def _client(key: str | None) -> CensusClient:
    s = context.settings()
    return CensusClient(api_base=s.census_api, boundary_base=s.census_boundaries,
                        key=key or s.census_key)


def _list_client(key: str | None) -> CensusClient:
    """For the pickers' lists: a short wait and no retry, since a shipped list stands in."""
    s = context.settings()
    return CensusClient(api_base=s.census_api, boundary_base=s.census_boundaries,
                        key=key or s.census_key, timeout=8.0, retries=0)


# Lists from the API are the release's own (Connecticut's planning regions from 2022 on);
# when it cannot be reached the shipped lists stand in, and that answer is kept ten minutes
# so an offline page does not wait on every rerun.
@st.cache_data(ttl=600, show_spinner="Asking the Census Bureau for the list...")
def _states(api: str, key: str | None, year: int) -> tuple[dict[str, str], str]:
    try:
        return _list_client(key).states(year), ""
    except CensusError as exc:
        return shipped_states(), str(exc)


@st.cache_data(ttl=600, show_spinner="Asking the Census Bureau for the counties...")
def _counties(api: str, key: str | None, year: int, state: str) -> tuple[dict[str, str], str]:
    try:
        return _list_client(key).counties(year, state), ""
    except CensusError as exc:
        return shipped_counties(state), str(exc)


def load_form() -> None:
    """State and county pickers, release, key, and the Load button with progress."""
    settings = context.settings()
    latest = datetime.now(UTC).year - 2  # a 5-year release comes out about a year after
    c1, c2 = st.columns([1, 2])
    year = c1.selectbox("ACS 5-year release (last year)", list(range(latest, FIRST_YEAR - 1, -1)),
                        key="census_year", help="2022 means the 2018-2022 survey.")
    key = c2.text_input("Census API key", type="password", key="census_key",
                        value=settings.census_key or "",
                        help="Free at api.census.gov/data/key_signup.html. Set NAM_CENSUS_KEY "
                             "to fill it in for everybody.")
    states, offline = _states(settings.census_api, key or None, int(year))
    if offline:
        msg.info("The Census Bureau cannot be reached from here right now, so the lists below "
                 "are the ones that come with the app. Loading needs the network; without it, "
                 "use 'Import a downloaded table' (next tab). Details: " + offline)
    state = st.selectbox("State", list(states), format_func=states.get, key="census_state")
    counties, _ = _counties(settings.census_api, key or None, int(year), state)
    chosen = st.multiselect("Counties", list(counties), format_func=counties.get,
                            key="census_counties")
    cached = dataset_id_for(int(year), state, chosen) if chosen else None
    if cached and (settings.datasets_dir / cached).exists():
        st.caption("Already loaded: loading again refreshes it.")
    if not st.button("Load census data", type="primary", disabled=not chosen):
        return
    bar = st.progress(0.0, text="Starting")
    try:
        summary = load_counties(_client(key or None), year=int(year), state=state,
                                counties=chosen, settings=settings,
                                progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
    except CensusError as exc:
        bar.empty()
        msg.error(f"Not loaded: loading needs the Census Bureau's services over the network. "
                  f"{exc}. Without the network, use 'Import a downloaded table' (next tab).")
        return
    except MappingError as exc:
        bar.empty()
        msg.error(f"Not loaded: {exc}")
        return
    missing = (f", {summary.no_boundary} with figures but missing from the boundary file "
               "(not drawn)" if summary.no_boundary else "")
    msg.success(f"Loaded {summary.name}: {summary.tracts:,} tracts ({summary.water_tracts} water "
               f"only, not drawn{missing}), {summary.variables} variables; "
               f"{summary.unreliable_share:.0%} of the non-zero estimates have a margin of "
               "error so large that they are unreliable: read them as rough orders of "
               "magnitude.")
    for line in summary.report.warnings:
        msg.warning(line)
    st.session_state["_switch_to"] = summary.dataset_id
    st.button("Show it on the map")


def import_form() -> None:
    """Import a table downloaded from data.census.gov, with a boundary file."""
    st.markdown("Download a table for *All Census Tracts within* a county from "
                "data.census.gov (CSV), and a tract boundary file, then import both.")
    settings = context.settings()
    table = st.file_uploader("Table from data.census.gov (CSV)", type=["csv"], key="dcg_table")
    boundary = st.file_uploader("Tract boundaries", type=[t.lstrip(".") for t in BOUNDARY_TYPES],
                                key="dcg_boundary")
    name = st.text_input("Name", key="dcg_name", placeholder="e.g. Hennepin County, ACS 2022")
    if not st.button("Import", disabled=table is None or boundary is None):
        return
    folder = session_folder() / "census-import"
    try:
        frame, labels = read_census_csv(table.getvalue())
        variables, derived = census_csv_variables(labels)
        csv_path = folder / "acs.csv"
        folder.mkdir(parents=True, exist_ok=True)
        frame.to_csv(csv_path, index=False)
        boundary_path = store_upload(boundary.name, boundary.getvalue(), folder,
                                     allowed=BOUNDARY_TYPES, max_bytes=settings.max_upload_bytes)
        spec = build_spec(name=name or Path(table.name).stem, source="U.S. Census Bureau, "
                          f"data.census.gov table {table.name}", year="",
                          areas={"path": boundary_path.name, "id": "GEOID", "name": "NAMELSAD"},
                          tables=[{"path": "acs.csv", "id": "GEO_ID", "id_prefix": "1400000US",
                                   "variables": variables}])
        spec["derived"] = [d for d in derived
                           if all(s in {v["id"] for v in variables} for s in d["sum"])]
        spec["origins_complete"] = any("region" in v for v in variables)  # a whole B05006
        dataset_id, report = save_dataset(spec, {"acs.csv": csv_path,
                                                 boundary_path.name: boundary_path}, settings)
    except MappingError as exc:
        msg.error(f"Not imported: {exc}")
        return
    msg.success(f"Imported as '{dataset_id}' with {len(variables)} variables.")
    for line in report.warnings:
        msg.warning(line)
    st.session_state["_switch_to"] = dataset_id
