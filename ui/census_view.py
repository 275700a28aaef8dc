"""The census page's forms: load counties from the Census API, or import a downloaded table."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from mapping.infra.errors import MappingError, UploadRejected
from mapping.sources.census import (
    FIRST_YEAR,
    CensusClient,
    CensusError,
    dataset_id_for,
    import_downloads,
    load_counties,
    shipped_counties,
    shipped_states,
)
from mapping.sources.uploads import BOUNDARY_TYPES, store_upload
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
    tables = st.file_uploader("Tables from data.census.gov (CSV, one or several)", type=["csv"],
                              key="dcg_table", accept_multiple_files=True,
                              help="Any of B05006, C16001, B05002, B05005, B06009, B06012, "
                                   "C16002, as downloaded (one file a table).")
    boundary = st.file_uploader("Tract boundaries", type=[t.lstrip(".") for t in BOUNDARY_TYPES],
                                key="dcg_boundary")
    id_column = st.text_input("Boundary id column (leave empty to find it)", key="dcg_id",
                              placeholder="GEOID, GEOID20, GEOID10, GEO_ID or AFFGEOID")
    name = st.text_input("Name", key="dcg_name", placeholder="e.g. Hennepin County, ACS 2022")
    if not st.button("Import", disabled=not tables or boundary is None):
        return
    folder = session_folder() / "census-import"
    try:
        for table in tables:
            if table.size > settings.max_upload_bytes:
                raise UploadRejected(f"{table.name}: larger than the "
                                     f"{settings.max_upload_mb} MB allowed")
        boundary_path = store_upload(boundary.name, boundary.getvalue(), folder,
                                     allowed=BOUNDARY_TYPES, max_bytes=settings.max_upload_bytes)
        dataset_id, report, n_variables = import_downloads(
            [(t.name, t.getvalue()) for t in tables], boundary_path, settings=settings,
            name=name, id_column=id_column, work=folder)
    except MappingError as exc:
        msg.error(f"Not imported: {exc}")
        return
    msg.success(f"Imported as '{dataset_id}' with {n_variables} variables.")
    for line in report.warnings:
        msg.warning(line)
    st.session_state["_switch_to"] = dataset_id
