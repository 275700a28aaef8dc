"""ACS 5-year newcomer tables and tract boundaries for any US county, from the Census Bureau.

One call, :func:`load_counties`, does what a library used to do by hand: it reads the
structure of each table from the API (``groups/<table>.json``), builds the catalog from
the labels (world regions and countries of B05006 are never hard-coded: line numbers
change between releases), fetches estimates and margins of error for every tract of the
chosen counties (at most 50 variables per request, retried with backoff on 5xx and
time-outs), downloads the cartographic boundary file for the same vintage (TIGER/Line as
fallback), and saves the whole as a dataset under ``data/datasets/`` with its provenance,
so the app works offline afterwards.

It is also a command line for scheduled refreshes::

    python -m mapping.sources.census --state 41 --county 051 --county 067 --year 2019

Tables: B05002 (nativity, citizenship), B05006 (place of birth of the foreign-born),
B05005 (period of entry), C16001 (language by ability to speak English), C16002
(limited-English households), B06009 (education by place of birth), B06012 (poverty by
place of birth).
"""

from __future__ import annotations

import argparse
import csv
import importlib.resources
import io
import json
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.infra import web
from mapping.infra.errors import DataError
from mapping.infra.settings import Settings, load_settings
from mapping.sources.catalog import language_group, region_of_country
from mapping.sources.datasets import LoadReport, check_zip, read_vector
from mapping.sources.uploads import build_spec, save_dataset

API_BASE = "https://api.census.gov/data"
BOUNDARY_BASE = "https://www2.census.gov/geo/tiger"
TABLES = ("B05002", "B05006", "B05005", "C16001", "C16002", "B06009", "B06012")
MAX_VARIABLES_PER_CALL = 50
MAX_BOUNDARY_BYTES = 200 * 1024 * 1024
MAX_API_BYTES = 50_000_000  # a whole state's tracts × 50 variables is ~3 MB
FIRST_YEAR = 2009

Progress = Callable[[float, str], None]


class CensusError(DataError):
    """The Census Bureau's services refused or could not answer; the message says what to do."""


# ---------------------------------------------------------------- HTTP client


class CensusClient:
    """A small client for the Census Data API and the boundary file server.

    Parameters
    ----------
    api_base, boundary_base
        Service roots; tests point them at a local server speaking the same format.
    key
        Census API key (free at https://api.census.gov/data/key_signup.html).
    timeout, boundary_timeout
        Seconds allowed for a whole answer of the Data API, and of a boundary file.
    retries
        Further attempts after a 5xx answer or a time-out, waiting ``backoff * 2**n`` s.
    """

    def __init__(self, *, api_base: str = API_BASE, boundary_base: str = BOUNDARY_BASE,
                 key: str | None = None, timeout: float = 120.0,
                 boundary_timeout: float = 900.0, retries: int = 3, backoff: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.api_base = api_base.rstrip("/")
        self.boundary_base = boundary_base.rstrip("/")
        self.key = key or None
        self.timeout = timeout
        self.boundary_timeout = boundary_timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self.requested: list[str] = []  # URLs asked for (without the key): provenance

    def fetch(self, url: str, *, max_bytes: int = MAX_API_BYTES,
              total_seconds: float | None = None) -> bytes:
        """Return the body at ``url``, bounded in size and total time (``timeout`` s unless
        given), retrying 5xx answers and slow ones; raise :class:`CensusError`."""
        self.requested.append(_public(url))
        seconds = self.timeout if total_seconds is None else total_seconds
        attempt = 0
        while True:
            try:
                answer = web.ask(url, max_bytes=max_bytes, total_seconds=seconds,
                                 handlers=(_NoRedirect(),))
            except web.AnswerTooLarge as exc:
                raise CensusError(str(exc)) from None
            except web.AnswerTooSlow:
                if attempt < self.retries:
                    self._sleep(self.backoff * 2**attempt)
                    attempt += 1
                    continue
                raise CensusError(
                    f"{web.host(url)} did not answer in full within {seconds:g} s "
                    f"({attempt + 1} tries). Check the internet connection and try again later, "
                    "or use a dataset loaded before (they work offline), or import a table "
                    "downloaded from data.census.gov") from None
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise CensusError(
                    f"cannot reach {web.host(url)} ({reason}). Check the "
                    "internet connection, or use a dataset loaded before (they work offline), "
                    "or import a table downloaded from data.census.gov") from None
            if answer.status >= 500 and attempt < self.retries:
                self._sleep(self.backoff * 2**attempt)
                attempt += 1
                continue
            _raise_for_answer(url, answer.status, answer.headers, answer.body)
            return answer.body

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """Return the decoded JSON of an API path (the key is added when there is one)."""
        query = dict(params or {})
        if self.key:
            query["key"] = self.key
        url = f"{self.api_base}/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query, safe=":*,")
        body = self.fetch(url)
        try:
            return json.loads(body)
        except (json.JSONDecodeError, RecursionError, UnicodeDecodeError):
            raise CensusError(f"the Census API sent something that is not data for "
                              f"{_public(url)}: {body[:120]!r}") from None

    def get_rows(self, path: str, params: Mapping[str, str], *, columns: int) -> list[list[str]]:
        """Return a data answer's rows (header first), checked for the API's shape: a list
        of rows of text, all as long as the header, at least ``columns`` wide."""
        rows = self.get_json(path, params)
        if not (isinstance(rows, list) and rows and all(isinstance(r, list) for r in rows)
                and len(rows[0]) >= columns
                and all(len(r) == len(rows[0]) for r in rows)
                and all(v is None or isinstance(v, (str, int, float)) for r in rows for v in r)):
            raise CensusError(f"the Census API answered {path} in an unexpected shape (not a "
                              "table of rows); try again later, or report it if it persists")
        return [["" if v is None else str(v) for v in r] for r in rows]

    def states(self, year: int) -> dict[str, str]:
        """Return ``{state FIPS: name}`` for a release."""
        rows = self.get_rows(f"{year}/acs/acs5", {"get": "NAME", "for": "state:*"}, columns=2)
        return dict(sorted(((r[1], r[0]) for r in rows[1:]), key=lambda x: x[1]))

    def counties(self, year: int, state: str) -> dict[str, str]:
        """Return ``{county FIPS: name}`` of one state for a release."""
        rows = self.get_rows(f"{year}/acs/acs5", {"get": "NAME", "for": "county:*",
                                                  "in": f"state:{state}"}, columns=3)
        return dict(sorted(((r[2], r[0]) for r in rows[1:]), key=lambda x: x[1]))

    def group(self, year: int, table: str) -> dict[str, str]:
        """Return ``{estimate variable: label}`` of a table, from ``groups/<table>.json``."""
        data = self.get_json(f"{year}/acs/acs5/groups/{table}.json")
        variables = data.get("variables", {}) if isinstance(data, dict) else {}
        if not isinstance(variables, dict) or not all(isinstance(m, dict)
                                                      for m in variables.values()):
            raise CensusError(f"the Census API described table {table} in an unexpected shape; "
                              "try again later, or report it if it persists")
        out = {name: str(meta.get("label", "")) for name, meta in variables.items()
               if re.fullmatch(rf"{table}_\d{{3}}E", name)}
        if not out:
            raise CensusError(f"the Census API lists no estimates for table {table} in {year}")
        return dict(sorted(out.items()))

    def tract_data(self, year: int, state: str, county: str, variables: Sequence[str]
                   ) -> pd.DataFrame:
        """Return one row per tract (``GEOID`` + the variables, as text), in chunks of 50."""
        frames = []
        for start in range(0, len(variables), MAX_VARIABLES_PER_CALL):
            chunk = list(variables[start:start + MAX_VARIABLES_PER_CALL])
            rows = self.get_rows(f"{year}/acs/acs5", {"get": ",".join(chunk), "for": "tract:*",
                                                      "in": f"state:{state} county:{county}"},
                                 columns=len(chunk) + 3)
            if len(rows) < 2:
                raise CensusError(f"the Census API has no tracts for county {county} of state "
                                  f"{state} in {year}")
            header, body = rows[0], rows[1:]
            if not {"state", "county", "tract"} <= set(header):
                raise CensusError("the Census API answered without the state, county and tract "
                                  "columns; try again later, or report it if it persists")
            frame = pd.DataFrame(body, columns=header, dtype=object)
            frame["GEOID"] = frame["state"] + frame["county"] + frame["tract"]
            frames.append(frame.drop(columns=["state", "county", "tract"]).set_index("GEOID"))
        return pd.concat(frames, axis=1).reset_index()

    def boundary_zip(self, year: int, state: str) -> tuple[bytes, str]:
        """Return the tract boundary zip of a state and its URL: cartographic first, then TIGER."""
        urls = [f"{self.boundary_base}/GENZ{year}/shp/cb_{year}_{state}_tract_500k.zip",
                f"{self.boundary_base}/TIGER{year}/TRACT/tl_{year}_{state}_tract.zip"]
        last: CensusError | None = None
        for url in urls:
            try:
                return self.fetch(url, max_bytes=MAX_BOUNDARY_BYTES,
                                  total_seconds=self.boundary_timeout), url
            except CensusError as exc:
                last = exc
        raise CensusError(f"no tract boundaries for state {state} in {year}: {last}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The API answers a missing key with a redirect to an HTML page: report it, not follow."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _public(url: str) -> str:
    """The URL without the API key (it must not reach logs or provenance)."""
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "key"]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe=":*,")))


def _raise_for_answer(url: str, status: int, headers: Mapping[str, str], body: bytes) -> None:
    text = body[:2000].decode("utf-8", "replace")
    if headers.get("X-DataWebAPI-KeyError") or "Invalid Key" in text:
        raise CensusError("the Census API refused the API key: check it (setting "
                          "NAM_CENSUS_KEY or the key field); keys are free at "
                          "https://api.census.gov/data/key_signup.html")
    if status in (301, 302, 303, 307, 308):
        where = headers.get("Location", "")
        if "key" in where.lower():
            raise CensusError("the Census API asks for an API key: get one free at "
                              "https://api.census.gov/data/key_signup.html and give it in "
                              "the key field or the NAM_CENSUS_KEY setting")
        raise CensusError(f"the Census service moved {_public(url)} to {where}")
    if status == 204:
        raise CensusError(f"the Census API found nothing for {_public(url)}: check the state "
                          "and county")
    if status == 404:
        year = re.search(r"/(\d{4})/", url)
        what = f"ACS 5-year {year.group(1)}" if year and "/acs/" in url else _public(url)
        raise CensusError(f"{what} is not available from the Census Bureau (not published, "
                          "or no such file); choose another release")
    if status >= 400:
        message = re.sub(r"^(error:\s*)+", "", text.strip(), flags=re.I)[:300]
        raise CensusError(f"the Census service answered {status}: {message}")


# ---------------------------------------------------------------- states and counties offline

#: Territories the ACS 5-year does not cover (it covers the states, DC and Puerto Rico).
_NOT_IN_ACS = {"60", "66", "69", "74", "78"}


def shipped_states() -> dict[str, str]:
    """Return ``{state FIPS: name}`` from the Census Bureau's county list shipped with the
    app (through the addfips package, 2020 vintage), for when the API cannot be reached."""
    out: dict[str, str] = {}
    with (importlib.resources.files("addfips") / "data" / "states.csv").open(
            encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["fips"] not in _NOT_IN_ACS:
                out.setdefault(row["fips"], row["name"])
    return dict(sorted(out.items(), key=lambda x: x[1]))


def shipped_counties(state: str) -> dict[str, str]:
    """Return ``{county FIPS: "Name County, State"}`` of one state, as the API names them,
    from the shipped list (2020 counties; Connecticut's planning regions of 2022 and later
    releases come only from the API)."""
    state_name = shipped_states().get(state, "")
    out: dict[str, str] = {}
    with (importlib.resources.files("addfips") / "data" / "counties_2020.csv").open(
            encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["statefp"] == state:
                out[row["countyfp"]] = f"{row['name']}, {state_name}"
    return dict(sorted(out.items(), key=lambda x: x[1]))


# ---------------------------------------------------------------- labels -> catalog


def label_path(label: str) -> tuple[str, ...]:
    """Return a label as its path of parts, without "Estimate" and trailing colons.

    Examples
    --------
    >>> label_path("Estimate!!Total:!!Europe:!!Northern Europe:!!Ireland")
    ('Total', 'Europe', 'Northern Europe', 'Ireland')
    """
    parts = [p.strip().rstrip(":").strip() for p in label.split("!!")]
    if parts and parts[0].lower() == "estimate":
        parts = parts[1:]
    return tuple(p for p in parts if p)


_LANGUAGE_KEYWORDS = (
    ("spanish", "spanish"), ("french", "french"), ("german", "german"), ("slavic", "slavic"),
    ("other indo-european", "other_indo_european"), ("korean", "korean"),
    ("chinese", "chinese"), ("vietnamese", "vietnamese"), ("tagalog", "tagalog"),
    ("asian and pacific", "other_asian"), ("arabic", "arabic"), ("other and unspecified", "other"),
)


def _is_residual(line: str) -> bool:
    """True for a place-of-birth line that is the rest of a region, not a country.

    >>> _is_residual("Other Eastern Asia"), _is_residual("Europe, n.e.c."), _is_residual("Oman")
    (True, True, False)
    """
    text = line.strip().lower()
    return text.startswith("other ") or "n.e.c." in text or "not specified" in text


def _language_key(label: str) -> str | None:
    low = label.lower()
    return next((key for word, key in _LANGUAGE_KEYWORDS if word in low), None)


def plan_variables(groups: Mapping[str, Mapping[str, str]]) -> tuple[list[dict[str, Any]],
                                                                     list[dict[str, Any]]]:
    """Return the catalog (dataset-description variables) and derived sums for the tables.

    Everything is found from the labels, so a release that renumbers lines still loads:
    B05006's leaves become origins with the world region and subregion of their path.
    """
    variables: list[dict[str, Any]] = []
    derived: list[dict[str, Any]] = []

    def add(var: str, label: str, topic: str, **extra: Any) -> None:
        code = var[:-1]
        variables.append({"id": code, "estimate": var, "moe": code + "M", "label": label,
                          "topic": topic, **{k: v for k, v in extra.items() if v is not None}})

    def find(table: str, path: tuple[str, ...]) -> str | None:
        for var, label in groups.get(table, {}).items():
            if label_path(label) == path:
                return var
        return None

    # Any subset of the tables plans (a data.census.gov download is one table a file): what
    # a table does not include is simply absent, and universes fall back to what is there.
    b05002 = groups.get("B05002", {})
    total = find("B05002", ("Total",)) if b05002 else None
    fb = find("B05002", ("Total", "Foreign born")) if b05002 else None
    if b05002 and (not total or not fb):
        raise CensusError("table B05002 has no 'Total' or 'Foreign born' line in this release")
    total_id = total[:-1] if total else None
    fb_id = fb[:-1] if fb else None
    if total:
        add(total, "Total population", "population", role="total_population")
    if fb:
        add(fb, "Foreign-born", "origin", role="foreign_born", universe=total_id)
    elif (b05006_total := find("B05006", ("Total",))) is not None:
        # Without B05002, the place-of-birth table's own total is the foreign-born.
        fb_id = b05006_total[:-1]
        add(b05006_total, "Foreign-born", "origin", role="foreign_born", universe=total_id)
    for var, label in b05002.items():
        path = label_path(label)
        if len(path) == 3 and path[1] == "Foreign born":
            add(var, f"Foreign-born: {path[2].lower().replace('u.s.', 'U.S.')}", "citizenship",
                universe=fb_id)

    origins = groups.get("B05006", {})
    paths = {var: label_path(label) for var, label in origins.items()}
    parents = {p[:-1] for p in paths.values()}
    for var, path in paths.items():
        if len(path) < 3 or path in parents:
            continue  # the total, or a region / subregion line
        inner = list(path[1:-1])
        if inner and inner[0] == "Americas":
            inner = inner[1:]
        region = inner[0] if inner else path[1]
        subregion = inner[1] if len(inner) > 1 else region
        known = region_of_country(path[-1])
        if len(inner) < 2 and known and known[0] == region:
            subregion = known[1]  # a country right under its region: the catalog's subregion
        if _is_residual(path[-1]):  # "Other Eastern Asia", "Europe, n.e.c.": not a country
            add(var, f"Born elsewhere in {subregion} ({path[-1]})", "origin",
                universe=total_id or fb_id, region=region, subregion=subregion, residual=True)
            continue
        add(var, f"Born in {path[-1]}", "origin", universe=total_id or fb_id, region=region,
            subregion=subregion, country=path[-1])

    for var, label in groups.get("B05005", {}).items():
        path = label_path(label)
        if len(path) == 3 and path[1].startswith("Entered") and path[2] == "Foreign born":
            add(var, f"Foreign-born: {path[1].lower()}", "entry", universe=fb_id)

    pop5 = find("C16001", ("Total",))
    if pop5:
        add(pop5, "Population 5 years and over", "population", role="population_5plus",
            universe=total_id)
        lep_ids = []
        for var, label in groups.get("C16001", {}).items():
            path = label_path(label)
            key = _language_key(path[1]) if len(path) == 3 else None
            if key and "less than" in path[2].lower():
                add(var, f"{language_group(key).label}: speak English less than 'very well'",
                    "language", language=key, universe=pop5[:-1])
                lep_ids.append(var[:-1])
        if lep_ids:
            derived.append({"id": "lep_total", "sum": lep_ids, "label": "Speak English less "
                            "than 'very well' (all languages)", "topic": "language",
                            "role": "lep_total", "universe": pop5[:-1]})

    households = find("C16002", ("Total",))
    if households:
        add(households, "Households", "language")
        limited = []
        for var, label in groups.get("C16002", {}).items():
            path = label_path(label)
            if len(path) == 3 and path[2].lower() == "limited english speaking household":
                add(var, f"{path[1]}: limited-English-speaking households", "language",
                    universe=households[:-1])
                limited.append(var[:-1])
        if limited:
            derived.append({"id": "lep_households", "sum": limited,
                            "label": "Limited-English-speaking households", "topic": "language",
                            "universe": households[:-1]})

    for table, topic, what in (("B06009", "education", "25 years and over"),
                               ("B06012", "poverty", "for whom poverty is determined")):
        base = find(table, ("Total", "Foreign born"))
        if not base:
            continue
        add(base, f"Foreign-born {what}", topic, universe=fb_id)
        for var, label in groups.get(table, {}).items():
            path = label_path(label)
            if len(path) == 3 and path[1] == "Foreign born":
                add(var, f"Foreign-born: {path[2][0].lower() + path[2][1:]}", topic,
                    universe=base[:-1])
    return variables, derived


# ---------------------------------------------------------------- boundaries


def read_tract_zip(data: bytes, *, counties: Sequence[str], state: str,
                   work: Path) -> gpd.GeoDataFrame:
    """Return the tracts of ``counties`` from a boundary zip, in EPSG:4326, safely extracted.

    Water-only tracts (no land area) keep their row with an empty shape: they count
    (with 0 people) but are not drawn.
    """
    archive = work / "tracts.zip"
    archive.write_bytes(data)
    check_zip(archive, max_bytes=MAX_BOUNDARY_BYTES * 5)
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.namelist()
                   if re.fullmatch(r"[\w.-]+\.(shp|shx|dbf|prj|cpg)", Path(m).name, re.I)]
        for m in members:  # flat, by base name only: nothing lands outside ``work``
            (work / Path(m).name).write_bytes(zf.read(m))
    shp = next((work / Path(m).name for m in members if m.lower().endswith(".shp")), None)
    if shp is None:
        raise CensusError("the boundary archive holds no shapefile")
    tracts = gpd.read_file(shp)
    if tracts.crs is None:
        tracts = tracts.set_crs("EPSG:4269")  # Census boundary files are NAD83
    tracts["GEOID"] = tracts["GEOID"].astype(str).str.zfill(11)
    wanted = tracts["GEOID"].str[:5].isin([f"{state}{c}" for c in counties])
    tracts = tracts.loc[wanted].to_crs("EPSG:4326")
    if "ALAND" in tracts.columns:
        water = pd.to_numeric(tracts["ALAND"], errors="coerce").fillna(0) <= 0
        tracts.loc[water, "geometry"] = shapely.Polygon()
    name = tracts["NAMELSAD"] if "NAMELSAD" in tracts else "Tract " + tracts["NAME"].astype(str)
    return gpd.GeoDataFrame({"GEOID": tracts["GEOID"].to_numpy(), "NAME": name.to_numpy()},
                            geometry=tracts.geometry.to_numpy(), crs="EPSG:4326")


# ---------------------------------------------------------------- the one action


@dataclass(frozen=True)
class LoadSummary:
    """What a load brought: shown to the user at the end."""

    dataset_id: str
    name: str
    tracts: int
    water_tracts: int  # in the boundary file with no land area: counted, not drawn
    variables: int
    unreliable_share: float  # of non-zero estimates with a MOE: share with CV > 40%
    report: LoadReport
    no_boundary: int = 0  # tracts with figures that the boundary file lacks: not drawn


def dataset_id_for(year: int, state: str, counties: Sequence[str]) -> str:
    """Return the id a county load is saved under, so a refresh replaces it."""
    return f"acs{year}_{state}_{'_'.join(sorted(counties))}"


def load_counties(client: CensusClient, *, year: int, state: str, counties: Sequence[str],
                  settings: Settings, progress: Progress | None = None) -> LoadSummary:
    """Load every tract of the counties with the newcomer tables; save it as a dataset.

    Raises
    ------
    CensusError
        With a message that says what to change (key, county, release, network).
    """
    report = progress or (lambda _f, _m: None)
    this_year = datetime.now(UTC).year
    if not FIRST_YEAR <= year <= this_year:
        raise CensusError(f"ACS 5-year releases run from {FIRST_YEAR}; {year} is not one")
    if not re.fullmatch(r"\d{2}", state) or not counties or \
            not all(re.fullmatch(r"\d{3}", c) for c in counties):
        raise CensusError("give a 2-digit state code and one or more 3-digit county codes")
    report(0.02, "Checking the state and counties")
    known = client.counties(year, state)
    unknown = [c for c in counties if c not in known]
    if unknown:
        raise CensusError(f"no county {', '.join(unknown)} in state {state} for {year}; "
                          "pick counties from the list")
    groups = {}
    for i, table in enumerate(TABLES):
        report(0.05 + 0.25 * i / len(TABLES), f"Reading the structure of table {table}")
        groups[table] = client.group(year, table)
    variables, derived = plan_variables(groups)
    wanted = [v["estimate"] for v in variables] + [v["moe"] for v in variables]
    frames = []
    for i, county in enumerate(counties):
        report(0.3 + 0.5 * i / len(counties), f"Loading tracts of {known[county]}")
        frames.append(client.tract_data(year, state, county, wanted))
    table = pd.concat(frames, ignore_index=True)
    report(0.82, "Downloading tract boundaries")
    data, boundary_url = client.boundary_zip(year, state)
    client.requested.append(boundary_url)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tracts = read_tract_zip(data, counties=counties, state=state, work=work)
        water_tracts = int(tracts.geometry.is_empty.sum())  # ALAND 0 in the boundary file
        missing = sorted(set(table["GEOID"]) - set(tracts["GEOID"]))
        if missing:  # a tract with figures but no shape: keep its row, say so (not water)
            tracts = pd.concat([tracts, gpd.GeoDataFrame(
                {"GEOID": missing, "NAME": [f"Tract {g[5:]}" for g in missing]},
                geometry=[shapely.Polygon()] * len(missing), crs="EPSG:4326")],
                ignore_index=True)
        names = ", ".join(known[c] for c in counties)
        report(0.9, "Checking and saving the dataset")
        tracts.to_file(work / "tracts.gpkg", driver="GPKG")
        table.to_csv(work / "acs.csv", index=False)
        spec = {
            "name": f"{names} (ACS {year - 4}-{year})",
            "source": f"U.S. Census Bureau, ACS {year - 4}-{year} 5-year, tables "
                      f"{', '.join(TABLES)}; tracts: {Path(boundary_url).name}",
            "year": f"{year - 4}-{year}",
            "areas": {"path": "tracts.gpkg", "id": "GEOID", "name": "NAME"},
            "tables": [{"path": "acs.csv", "id": "GEOID", "id_width": 11,
                        "variables": variables}],
            "derived": derived,
            "origins_complete": any("region" in v for v in variables),  # every B05006 line
            "assets": [],
            "provenance": {"release": f"acs/acs5 {year}", "state": state,
                           "counties": list(counties),
                           "retrieved_at": datetime.now(UTC).isoformat(timespec="seconds"),
                           "source_urls": sorted(set(client.requested))},
        }
        dataset_id, load_report = save_dataset(
            spec, {"tracts.gpkg": work / "tracts.gpkg", "acs.csv": work / "acs.csv"}, settings,
            dataset_id=dataset_id_for(year, state, counties))
    if not any(v.get("language") for v in variables):
        load_report.warnings.append(
            f"The {year - 4}-{year} release has no limited-English figures for tracts: table "
            "C16001 splits languages by English ability at tract level only from the "
            "2012-2016 release on. Load 2016 or later for limited-English figures.")
    est = pd.to_numeric(table[[v["estimate"] for v in variables]].stack(), errors="coerce")
    moe = pd.to_numeric(table[[v["moe"] for v in variables]].stack(), errors="coerce")
    est, moe = est.to_numpy(dtype=float), moe.to_numpy(dtype=float)
    usable = (est > 0) & (moe >= 0)  # a zero is trivially unreliable: count real figures
    with np.errstate(divide="ignore", invalid="ignore"):
        unreliable = (moe[usable] / 1.645) > 0.4 * est[usable]
    report(1.0, "Done")
    return LoadSummary(dataset_id=dataset_id, name=str(spec["name"]), tracts=len(tracts),
                       water_tracts=water_tracts,
                       variables=len(variables) + len(derived),
                       unreliable_share=float(unreliable.mean()) if unreliable.size else 0.0,
                       report=load_report, no_boundary=len(missing))


# ---------------------------------------------------------------- data.census.gov tables


def read_census_csv(data: bytes) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return a table downloaded from data.census.gov and its ``{column: label}`` row.

    Such a file has ``GEO_ID`` (``1400000US17031010100``) first and a second header row of
    labels; the labels are what :func:`plan_variables` reads.
    """
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if not len(frame.columns) or frame.columns[0] != "GEO_ID" or not len(frame) or \
            frame.iloc[0, 0] not in ("Geography", "Geographic Area Name", "id"):
        raise DataError("this is not a table downloaded from data.census.gov (it needs GEO_ID "
                        "first and a second header row of labels)")
    labels = dict(zip(frame.columns, frame.iloc[0], strict=True))
    return frame.iloc[1:].reset_index(drop=True), labels


def read_census_csvs(files: Sequence[tuple[str, bytes]]) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return several data.census.gov downloads (one table a file, as downloaded) as one
    table by ``GEO_ID``, with every file's labels; a tract missing from a file has no
    figures of that table."""
    if not files:
        raise DataError("choose at least one table downloaded from data.census.gov")
    merged: pd.DataFrame | None = None
    labels: dict[str, str] = {}
    for name, data in files:
        try:
            frame, these = read_census_csv(data)
        except DataError as exc:
            raise DataError(f"{name}: {exc}") from None
        if frame["GEO_ID"].duplicated().any():
            raise DataError(f"{name}: a geography appears twice; download the table again")
        new = [c for c in frame.columns if c == "GEO_ID" or c not in labels]
        labels.update({c: these[c] for c in new})
        frame = frame[new]
        merged = frame if merged is None else merged.merge(frame, on="GEO_ID", how="outer")
    assert merged is not None
    return merged.fillna(""), labels


#: Id columns of tract boundary files (TIGER/Line and cartographic, 2010 and 2020).
BOUNDARY_ID_COLUMNS = ("GEOID", "GEOID20", "GEOID10", "GEO_ID", "AFFGEOID", "AFFGEOID20",
                       "AFFGEOID10")
BOUNDARY_NAME_COLUMNS = ("NAMELSAD", "NAMELSAD20", "NAMELSAD10", "NAME", "NAME20", "NAME10")


def boundary_keys(columns: Sequence[str], chosen: str = "") -> dict[str, str]:
    """Return the boundary file's id column (and prefix to drop) and name column.

    >>> boundary_keys(["STATEFP10", "GEOID10", "NAMELSAD10", "geometry"])
    {'id': 'GEOID10', 'name': 'NAMELSAD10'}
    >>> boundary_keys(["AFFGEOID", "NAME"])
    {'id': 'AFFGEOID', 'id_prefix': '1400000US', 'name': 'NAME'}
    """
    present = [str(c) for c in columns]
    if chosen:
        if chosen not in present:
            raise DataError(f"the boundary file has no column {chosen!r}; its columns are "
                            f"{', '.join(c for c in present if c != 'geometry')}")
        column = chosen
    else:
        column = next((c for c in BOUNDARY_ID_COLUMNS if c in present), "")
        if not column:
            raise DataError("the boundary file has none of the usual id columns ("
                            f"{', '.join(BOUNDARY_ID_COLUMNS)}); name its id column. Its "
                            f"columns are {', '.join(c for c in present if c != 'geometry')}")
    out = {"id": column}
    if column.startswith(("AFFGEOID", "GEO_ID")):
        out["id_prefix"] = "1400000US"
    name = next((c for c in BOUNDARY_NAME_COLUMNS if c in present), None)
    if name:
        out["name"] = name
    return out


def import_downloads(tables: Sequence[tuple[str, bytes]], boundary: Path, *,
                     settings: Settings, name: str = "", id_column: str = "",
                     work: Path) -> tuple[str, LoadReport, int]:
    """Save data.census.gov downloads (any tables, one file each) with a tract boundary
    file as a dataset; return its id, load report and number of variables.

    The boundary's id column is found (``GEOID``, ``GEOID20``, ``GEOID10``, ``GEO_ID``,
    ``AFFGEOID``) unless ``id_column`` names it; ``work`` holds the files while saving.
    """
    frame, labels = read_census_csvs(tables)
    variables, derived = census_csv_variables(labels)
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "acs.csv"
    frame.to_csv(csv_path, index=False)
    keys = boundary_keys(list(read_vector(boundary).columns), id_column.strip())
    names = ", ".join(n for n, _ in tables)
    spec = build_spec(name=name.strip() or Path(tables[0][0]).stem,
                      source=f"U.S. Census Bureau, data.census.gov: {names}", year="",
                      areas={"path": boundary.name, **keys},
                      tables=[{"path": "acs.csv", "id": "GEO_ID", "id_prefix": "1400000US",
                               "variables": variables}])
    ids = {v["id"] for v in variables}
    spec["derived"] = [d for d in derived if all(s in ids for s in d["sum"])]
    # A download holds the whole table (its total and region lines too); a file trimmed to
    # a few countries does not, and its regions are then named as partial.
    b05006 = [label_path(v) for c, v in labels.items() if c.startswith("B05006_")]
    spec["origins_complete"] = ("Total",) in b05006 and any(len(p) == 2 for p in b05006)
    dataset_id, report = save_dataset(spec, {"acs.csv": csv_path, boundary.name: boundary},
                                      settings)
    return dataset_id, report, len(variables) + len(spec["derived"])


def census_csv_variables(labels: Mapping[str, str]) -> tuple[list[dict[str, Any]],
                                                             list[dict[str, Any]]]:
    """Return the catalog of a data.census.gov table, read from its label row."""
    groups: dict[str, dict[str, str]] = {}
    for column, label in labels.items():
        m = re.fullmatch(r"([BC]\d{5})_(\d{3})E", column)
        if m:
            groups.setdefault(m.group(1), {})[column] = label
    if not groups:
        raise DataError("the table has no ACS estimate columns (like B05006_042E)")
    return plan_variables(groups)


# ---------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: load (or refresh) counties into ``data/datasets``."""
    parser = argparse.ArgumentParser(prog="python -m mapping.sources.census", description=__doc__
                                     .split("\n\n")[0])
    parser.add_argument("--state", required=True, help="2-digit state FIPS code, e.g. 17")
    parser.add_argument("--county", action="append", required=True,
                        help="3-digit county FIPS code; repeat for several")
    parser.add_argument("--year", type=int, required=True, help="ACS 5-year release, e.g. 2022")
    parser.add_argument("--key", default=None, help="Census API key (default: NAM_CENSUS_KEY)")
    parser.add_argument("--api-base", default=None, help="default: NAM_CENSUS_API")
    parser.add_argument("--boundary-base", default=None, help="default: NAM_CENSUS_BOUNDARIES")
    args = parser.parse_args(argv)
    import os

    settings = load_settings(os.environ)
    client = CensusClient(api_base=args.api_base or settings.census_api,
                          boundary_base=args.boundary_base or settings.census_boundaries,
                          key=args.key or settings.census_key)
    try:
        summary = load_counties(client, year=args.year, state=args.state, counties=args.county,
                                settings=settings,
                                progress=lambda f, m: print(f"{f * 100:5.1f}%  {m}", flush=True))
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"saved {summary.dataset_id}: {summary.tracts} tracts ({summary.water_tracts} water "
          f"only, {summary.no_boundary} missing from the boundary file), "
          f"{summary.variables} variables, {summary.unreliable_share:.0%} of non-zero "
          "estimates unreliable (CV > 40%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
