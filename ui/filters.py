"""The shared sidebar: dataset picker and filter pane, kept in the page's URL.

The URL holds every choice (``?ds=cook_county&lang=spanish&m=share``), so a presenter
can share exactly what they see. Widget state lives in ``st.session_state`` under the
keys below; the URL is read once per session and written back on every run.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from mapping.analysis.filters import MEASURES, Filters, clean_filters, default_indicator
from mapping.infra.errors import MappingError
from mapping.records.assets import CATEGORIES, category
from mapping.sources.catalog import language_group
from mapping.sources.datasets import Dataset, start_dataset
from ui import context
from ui import messages as msg
from ui.access import is_staff, sign_in_box

_PARAMS = {  # session key -> URL parameter
    "f_regions": "reg", "f_origins": "orig", "f_languages": "lang", "f_categories": "cat",
    "f_services": "svc",
}


#: URL parameters a page writes itself (see ui.map_widget and the gap page).
PAGE_PARAMS = frozenset({"view", "sel", "shape", "r", "k", "sites", "strict", "pm", "pa", "pb"})


def _from_url() -> None:
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    q = st.query_params
    for key, param in _PARAMS.items():
        if param in q:
            st.session_state[key] = [v for v in q[param].split(",") if v]
    if "ds" in q:
        st.session_state["f_dataset"] = q["ds"]
    if "ind" in q:
        st.session_state["f_indicator"] = q["ind"]
    if "m" in q:
        st.session_state["f_measure"] = q["m"]


def filters_from_link(params: Mapping[str, str], data: Dataset) -> Filters:
    """The filters a link (or a saved view) holds, read as the sidebar reads them, with
    what ``data`` does not have left out (a link from another dataset still opens)."""
    lists = {key[2:]: tuple(v for v in params.get(param, "").split(",") if v)
             for key, param in _PARAMS.items()}
    catalog = data.area_set.catalog
    indicator = params.get("ind") or default_indicator(catalog).id
    filters = Filters(**lists, indicator=indicator, measure=params.get("m", "count"))
    return clean_filters(filters, catalog, services=context.service_tags_of(data))[0]


def _to_url(dataset_id: str, filters: Filters, default_indicator_id: str) -> None:
    params: dict[str, str] = {"ds": dataset_id}
    for key, value in (("reg", filters.regions), ("orig", filters.origins),
                       ("lang", filters.languages), ("cat", filters.categories),
                       ("svc", filters.services)):
        if value:
            params[key] = ",".join(value)
    if filters.indicator and filters.indicator != default_indicator_id:
        params["ind"] = filters.indicator
    if filters.measure != "count":
        params["m"] = filters.measure
    # What the page itself keeps in the URL (the map's view, selection and shape; the gap
    # page's radius...) is the page's to write; the sidebar leaves it as it is.
    params.update({k: v for k, v in st.query_params.items() if k in PAGE_PARAMS})
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


def _keep_valid(key: str, options: list[str]) -> None:
    """Drop remembered choices that the current dataset does not offer."""
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]


def ensure_navigation() -> None:
    """Send a page that ran without ``app.py`` through it, keeping the page and the filters.

    On a freshly started server, the first request straight to ``/gaps`` runs
    ``pages/gaps.py`` as a stand-alone page (Streamlit only learns about ``st.navigation``
    once ``app.py`` has run), without the app's navigation or layout. The page is the
    nearest file of ``pages/`` on the call stack.
    """
    if st.session_state.get("_navigation_ready"):
        return
    url_path = next((Path(f.filename).stem for f in inspect.stack()
                     if Path(f.filename).parent.name == "pages"), "map")
    st.session_state["_wanted_page"] = (url_path, dict(st.query_params))
    st.switch_page(str(Path(__file__).resolve().parent.parent / "app.py"))


def sidebar() -> tuple[Dataset, Filters]:
    """Render the dataset picker and filter pane; return the dataset and the filters."""
    data, filters, draw = _sidebar_later()
    draw()
    return data, filters


@contextmanager
def sidebar_drawn_last() -> Iterator[tuple[Dataset, Filters]]:
    """:func:`sidebar` whose dataset picker and filters are drawn when the block ends (in
    their places: the sidebar's order does not change), so what the block draws reaches
    the browser first.

    The map page draws its map in the block: after a filter change the browser redraws
    every widget a rerun sends before the map's new figures reach it, and the map's
    repaint waited on the sidebar's ten widgets (issue #11). The choices are known before
    the widgets are drawn (a widget's value is in the session state at the start of a
    run). The sign-in box is drawn at once: it decides what the page may show.
    """
    data, filters, draw = _sidebar_later()
    try:
        yield data, filters
    finally:  # an error in the block still leaves the filters on screen, with their values
        draw()


def _sidebar_later() -> tuple[Dataset, Filters, Callable[[], None]]:
    """The dataset and filters of this run, and the function that draws their widgets."""
    ensure_navigation()
    _restore_choices()
    _from_url()
    entries = [e for e in context.datasets() if e.available]
    ids = [e.id for e in entries]
    names = {e.id: e.name for e in entries}
    if st.session_state.get("_switch_to") in ids:  # a dataset was just loaded or imported
        st.session_state["f_dataset"] = st.session_state.pop("_switch_to")
    if st.session_state.get("f_dataset") not in ids:
        try:
            st.session_state["f_dataset"] = start_dataset(context.settings())
        except MappingError as exc:  # a bad NAM_DATASET is said, never replaced by the demo
            msg.error(f"The dataset to start with cannot be opened: {exc}")
            st.stop()
    top = st.sidebar.container()  # the dataset picker, above the sign-in box
    draws: list[Callable[[], object]] = [lambda: top.selectbox(
        "Dataset", ids, **_widget("f_dataset"), format_func=names.get)]
    data, _ = context.dataset(st.session_state["f_dataset"])
    data = context.with_database_assets(data)
    sign_in_box()
    if not is_staff():  # the public never sees staff-only sites, on any page
        data = context.public_assets(data)
    catalog = data.area_set.catalog
    if data.area_set.synthetic:
        draws.append(lambda: top.warning("Synthetic demo data: no figure describes real people."))
    pane = st.sidebar.container()

    draws.append(lambda: pane.subheader("Who"))
    by_region = catalog.origins_by_region()
    origin_ids = [v.id for v in catalog.origins()]
    labels = {v.id: f"{v.country or v.label} ({v.region})" for v in catalog.origins()}
    _keep_valid("f_regions", list(by_region))
    _keep_valid("f_origins", origin_ids)
    if by_region:
        if catalog.origins_complete:
            draws.append(lambda: pane.multiselect(
                "Origin: whole world regions", list(by_region), **_widget("f_regions"),
                help="Everyone born in any country of the region."))
        else:
            draws.append(lambda: pane.multiselect(
                "Origin: countries of a region", list(by_region), **_widget("f_regions"),
                format_func=lambda r: f"{r} ({len(by_region[r])} of its countries here)",
                help="This dataset holds only some countries of birth: a region stands for "
                     "its countries listed below, not for everyone born in the region."))
        draws.append(lambda: pane.multiselect("Origin: countries of birth", origin_ids,
                                              **_widget("f_origins"), format_func=labels.get))
    else:
        draws.append(lambda: pane.caption("This dataset has no country-of-birth figures."))
    languages = [v.language for v in catalog.lep_variables() if v.language]
    _keep_valid("f_languages", languages)
    if languages:
        draws.append(lambda: pane.multiselect(
            "Language (limited English)", languages, **_widget("f_languages"),
            format_func=lambda k: language_group(k).label,
            help="People who speak the language at home and speak English less than 'very "
                 "well'. Takes precedence over origin for the map colours; both filter the "
                 "assets."))
    indicators = [v.id for v in catalog.indicators()]
    if st.session_state.get("f_indicator") not in indicators:
        st.session_state["f_indicator"] = default_indicator(catalog).id
    draws.append(lambda: pane.selectbox(
        "Otherwise show", indicators, **_widget("f_indicator"),
        format_func=lambda i: catalog.get(i).label,
        help="What the map shows when no origin or language is picked."))
    if st.session_state.get("f_measure") not in MEASURES:
        st.session_state["f_measure"] = "count"
    draws.append(lambda: pane.radio("Measure", list(MEASURES), **_widget("f_measure"),
                                    format_func=MEASURES.get, horizontal=False))

    draws.append(lambda: pane.subheader("Services"))
    present = sorted(data.assets["category"].unique(), key=[c.key for c in CATEGORIES].index)
    _keep_valid("f_categories", present)
    # An empty multiselect is drawn disabled, its label too faint to read (WCAG): say it.
    if present:
        draws.append(lambda: pane.multiselect("Asset categories", present,
                                              **_widget("f_categories"),
                                              format_func=lambda k: category(k).label))
    else:
        draws.append(lambda: pane.caption("This dataset has no community assets yet."))
    tags = list(context.service_tags_of(data))
    _keep_valid("f_services", tags)
    if tags:
        draws.append(lambda: pane.multiselect("Services offered", tags, **_widget("f_services")))
    elif present:
        draws.append(lambda: pane.caption(
            "No asset of this dataset lists the services it offers."))

    filters = Filters(
        origins=tuple(st.session_state.get("f_origins", [])),
        regions=tuple(st.session_state.get("f_regions", [])),
        languages=tuple(st.session_state.get("f_languages", [])),
        categories=tuple(st.session_state.get("f_categories", [])),
        services=tuple(st.session_state.get("f_services", [])),
        indicator=st.session_state["f_indicator"],
        measure=st.session_state["f_measure"],
    )
    filters, _ = clean_filters(filters, catalog, services=tuple(tags))
    _to_url(data.id, filters, default_indicator(catalog).id)
    _remember_choices()

    def draw() -> None:
        for one in draws:
            one()

    return data, filters, draw


_WIDGET_KEYS = ("f_dataset", *_PARAMS, "f_indicator", "f_measure")


def _remember_choices() -> None:
    """Copy the sidebar's widget values to keys Streamlit does not clean up.

    Streamlit drops a widget's state when the page that drew it is left, even when the
    next page draws a widget with the same key; the copies carry the choices over.
    """
    for key in _WIDGET_KEYS:
        if key in st.session_state:
            st.session_state["_keep_" + key] = st.session_state[key]


def _widget(key: str) -> dict[str, object]:
    """Keyword arguments for a sidebar widget: its key and the callback that keeps its value."""
    return {"key": key, "on_change": _remember, "args": (key,)}


def _remember(key: str) -> None:
    """Widget callback: keep the new value before the rerun restores the copies."""
    st.session_state["_keep_" + key] = st.session_state[key]


def _restore_choices() -> None:
    for key in _WIDGET_KEYS:
        if "_keep_" + key in st.session_state:
            st.session_state[key] = st.session_state["_keep_" + key]

