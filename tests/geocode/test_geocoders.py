"""Geocoders against local servers speaking the Census batch geocoder's and Nominatim's formats.

The fake Census geocoder knows the 81 real Chicago Public Library addresses and answers
with their real coordinates (from the library CSV's "(lat, lon)" column) and their tract.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import threading
import time
import urllib.parse
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import geopandas as gpd
import pandas as pd
import pytest

import mapping.records.geocode as geocode
from mapping.infra.errors import DataError
from mapping.records.geocode import Address, CensusGeocoder, NominatimGeocoder, geocode_with_cache
from mapping.records.store import Store
from mapping.sources.datasets import parse_latlon


@pytest.fixture(scope="module")
def libraries(shared_settings):
    shared = shared_settings.shared_data_dir
    if not shared.exists():
        pytest.skip("the shared reference data is not here")
    frame = pd.read_csv(shared / "chicago_cook" / "assets" / "cpl_library_locations.csv", dtype=str)
    frame.columns = [c.strip() for c in frame.columns]
    frame[["lat", "lon"]] = frame["LOCATION"].map(parse_latlon).apply(pd.Series)
    tracts = gpd.read_file(shared / "chicago_cook" / "tracts_cook_2020_acs2020_medincome.geojson")
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
                              crs="EPSG:4326").to_crs(tracts.crs)
    joined = gpd.sjoin(points, tracts[["GEOID", "geometry"]], predicate="within", how="left")
    frame["tract"] = joined["GEOID"].to_numpy()
    return frame


class _Server:
    def __init__(self, handler_factory):
        self.requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_factory(self))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _census_handler(known: dict[str, tuple[float, float, str]]):
    def factory(state):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                if self.path != "/geocoder/geographies/addressbatch":
                    self.send_error(404)
                    return
                body = self.rfile.read(int(self.headers["Content-Length"]))
                message = BytesParser(policy=default).parsebytes(
                    f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body)
                form = {part.get_param("name", header="content-disposition"):
                        part.get_payload(decode=True) for part in message.iter_parts()}
                rows = list(csv.reader(io.StringIO(form["addressFile"].decode())))
                state.requests.append({"rows": len(rows),
                                       "benchmark": form["benchmark"].decode()})
                out = io.StringIO()
                w = csv.writer(out, quoting=csv.QUOTE_ALL)
                for rid, street, city, st, zip_ in rows:
                    text = f"{street}, {city}, {st}, {zip_}"
                    hit = known.get(street.strip().upper())
                    if hit:
                        lat, lon, tract = hit
                        w.writerow([rid, text, "Match", "Exact", text.upper(), f"{lon},{lat}",
                                    "123456", "L", tract[:2], tract[2:5], tract[5:], "1000"])
                    else:
                        w.writerow([rid, text, "No_Match"])
                body = out.getvalue().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        return Handler
    return factory


@pytest.fixture
def census_server(libraries):
    known = {a.upper(): (lat, lon, t) for a, lat, lon, t in
             zip(libraries["ADDRESS"], libraries["lat"], libraries["lon"], libraries["tract"],
                 strict=True)}
    server = _Server(_census_handler(known))
    yield server
    server.stop()


def _addresses(libraries):
    out = [Address(f"lib{i}", r["ADDRESS"], r["CITY"], r["STATE"], r["ZIP"])
           for i, r in libraries.iterrows()]
    return [*out, Address("bogus1", "1 Nowhere Lane", "Chicago", "IL", "60600"),
            Address("bogus2", "", "", "", "")]


def test_census_batch_places_every_library_and_reports_the_unmatched(census_server, libraries,
                                                                     tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    answers = geocode_with_cache(_addresses(libraries),
                                 CensusGeocoder(base_url=f"{census_server.url}/geocoder"), store)
    by_key = {a.key: a for a in answers}
    for i, r in libraries.iterrows():
        g = by_key[f"lib{i}"]
        assert g.found and g.latitude == pytest.approx(r["lat"]) and g.longitude == pytest.approx(r["lon"])
        assert g.tract == r["tract"] and g.tract.startswith("17031")
    assert not by_key["bogus1"].found and not by_key["bogus2"].found
    assert census_server.requests[0]["benchmark"] == "Public_AR_Current"


def test_census_batches_hold_at_most_the_limit(census_server, libraries, tmp_path, monkeypatch):
    monkeypatch.setattr(geocode, "BATCH_LIMIT", 30)
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    geocode_with_cache(_addresses(libraries), CensusGeocoder(
        base_url=f"{census_server.url}/geocoder"), store)
    assert [r["rows"] for r in census_server.requests] == [30, 30, 23]


def test_answers_come_from_the_cache_the_second_time(census_server, libraries, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    coder = CensusGeocoder(base_url=f"{census_server.url}/geocoder")
    first = geocode_with_cache(_addresses(libraries), coder, store)
    census_server.stop()
    again = geocode_with_cache(_addresses(libraries), coder, store)
    assert [(g.key, g.latitude, g.found) for g in again] == [(g.key, g.latitude, g.found)
                                                             for g in first]


def test_an_unreachable_geocoder_says_what_to_do(tmp_path):
    with pytest.raises(DataError, match="place the assets by hand"):
        CensusGeocoder(base_url="http://127.0.0.1:9/geocoder").geocode([Address("a", "1 Main St")])


def _nominatim_handler(places: dict[str, tuple[float, float]]):
    def factory(state):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(parts.query))
                state.requests.append({"path": parts.path, "q": q.get("q"),
                                       "agent": self.headers.get("User-Agent", "")})
                hit = places.get((q.get("q") or "").split(",")[0].strip().upper())
                body = json.dumps([{"lat": str(hit[0]), "lon": str(hit[1]),
                                    "display_name": q["q"], "place_id": 1}] if hit else [])
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
        return Handler
    return factory


def test_nominatim_through_geopy_identifies_itself_and_places_what_it_knows(libraries, tmp_path):
    places = {a.upper(): (lat, lon) for a, lat, lon in
              zip(libraries["ADDRESS"], libraries["lat"], libraries["lon"], strict=True)}
    server = _Server(_nominatim_handler(places))
    try:
        host = server.url.removeprefix("http://")
        coder = NominatimGeocoder(domain=host, scheme="http", min_delay_seconds=0.01)
        store = Store(f"sqlite:///{tmp_path / 'a.db'}")
        addresses = _addresses(libraries.head(3))
        answers = geocode_with_cache(addresses, coder, store)
        assert [a.found for a in answers] == [True, True, True, False, False]
        assert answers[0].latitude == pytest.approx(libraries["lat"].iloc[0])
        assert all(r["path"] == "/search" and "newcomer-asset-map" in r["agent"]
                   for r in server.requests)
    finally:
        server.stop()


def test_nominatim_keeps_to_one_request_a_second_by_default():
    assert NominatimGeocoder()._lookup.min_delay_seconds == 1.0


# ---------------------------------------------------------------- hostile or broken services


def _hostile_handler(how: str):
    """A geocoder (either format) that answers badly: ``how`` says in what way."""
    def factory(state):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                state.requests.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                rows = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                try:
                    self.send_response(200)
                    if how == "html":
                        body = (b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1>"
                                b"<p>The geocoder is down for maintenance.</p></body></html>")
                        self.send_header("Content-Type", "text/html")
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    elif how in ("text-coordinates", "partial"):
                        ids = [line.split(",")[0] for line in rows.splitlines()
                               if line[:1].isdigit()]
                        out = io.StringIO()
                        w = csv.writer(out, quoting=csv.QUOTE_ALL)
                        for rid in ids[: 1 if how == "partial" else None]:
                            w.writerow([rid, "1 Main St", "Match", "Exact", "1 MAIN ST",
                                        "-87.6,41.8" if how == "partial" else "west,north",
                                        "1", "L", "17", "031", "010100", "1"])
                        data = out.getvalue().encode()
                        if self.path.startswith("/search"):
                            data = json.dumps([{"lat": "north", "lon": "west",
                                                "display_name": "x", "place_id": 1}]).encode()
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                    elif how == "huge":
                        self.end_headers()
                        for _ in range(400):
                            self.wfile.write(b" " * (1024 * 1024))
                    elif how == "drip":
                        self.send_header("Content-Length", "50000")
                        self.end_headers()
                        for _ in range(50_000):
                            self.wfile.write(b" ")
                            self.wfile.flush()
                            time.sleep(0.2)
                except OSError:  # the client hung up, as it should
                    pass

            def do_GET(self):
                self._answer()

            def do_POST(self):
                self._answer()
        return Handler
    return factory


def _census_coder(server, timeout=300.0):
    return CensusGeocoder(base_url=f"{server.url}/geocoder", timeout=timeout)


def _nominatim_coder(server, timeout=30):
    coder = NominatimGeocoder(domain=server.url.removeprefix("http://"), scheme="http",
                              min_delay_seconds=0.01)
    coder._client.timeout = timeout
    coder._lookup.max_retries = 0
    return coder


@pytest.mark.parametrize("kind", ["census", "nominatim"])
@pytest.mark.parametrize("how,message", [
    ("html", r"web page|not JSON.*Service Unavailable"),
    ("text-coordinates", r"not (two )?numbers"),
])
def test_a_broken_answer_is_an_error_and_is_never_cached_as_not_found(kind, how, message,
                                                                       tmp_path):
    """An error page, or coordinates that are not numbers, stop the lookup with a message;
    the cache stays empty, so the same addresses are looked up again later."""
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    server = _Server(_hostile_handler(how))
    addresses = [Address("a", "1 Main St", "Chicago", "IL"), Address("b", "2 Main St")]
    try:
        coder = _census_coder(server) if kind == "census" else _nominatim_coder(server)
        with pytest.raises(DataError, match=message):
            geocode_with_cache(addresses, coder, store)
        assert store.lookup(coder.name, [a.cache_key for a in addresses]) == {}
    finally:
        server.stop()


def test_an_answer_for_only_some_addresses_is_an_error(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    server = _Server(_hostile_handler("partial"))
    try:
        with pytest.raises(DataError, match=r"answered 1 of the 3 addresses"):
            geocode_with_cache([Address(k, f"{k} Main St") for k in "abc"],
                               _census_coder(server), store)
    finally:
        server.stop()


@pytest.mark.parametrize("kind", ["census", "nominatim"])
def test_an_oversized_answer_is_refused_without_being_held(kind):
    server = _Server(_hostile_handler("huge"))
    try:
        coder = _census_coder(server) if kind == "census" else _nominatim_coder(server)
        with pytest.raises(DataError, match=r"larger than [\d,.]+ (MB|bytes)"):
            coder.geocode([Address("a", "1 Main St", "Chicago", "IL")])
    finally:
        server.stop()


@pytest.mark.parametrize("kind", ["census", "nominatim"])
def test_a_geocoder_that_drips_is_cut_off_at_the_total_time(kind):
    """One byte every 0.2 s: no single read ever times out, the whole answer would take
    hours; the lookup ends at its total time (1 s here) with a message."""
    server = _Server(_hostile_handler("drip"))
    try:
        coder = (_census_coder(server, timeout=1) if kind == "census"
                 else _nominatim_coder(server, timeout=1))
        started = time.monotonic()
        with pytest.raises(DataError, match=r"did not finish answering within 1 s"):
            coder.geocode([Address("a", "1 Main St", "Chicago", "IL")])
        assert time.monotonic() - started < 30  # 1 s, with room for a loaded machine
    finally:
        server.stop()


def test_answers_found_before_the_service_failed_are_kept(libraries, tmp_path):
    """Nominatim answers the first 25 look-ups, then only with error pages: the 20 of the
    first part are cached, and asking again looks up only the rest."""
    places = {a.upper(): (lat, lon) for a, lat, lon in
              zip(libraries["ADDRESS"], libraries["lat"], libraries["lon"], strict=True)}
    good = _nominatim_handler(places)

    def factory(state):
        ok, bad = good(state), _hostile_handler("html")(state)

        def handler(*args):
            return (ok if len(state.requests) < 25 else bad)(*args)
        return handler

    server = _Server(factory)
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    addresses = _addresses(libraries.head(30))[:30]
    try:
        coder = _nominatim_coder(server)
        with pytest.raises(DataError, match="Service Unavailable"):
            geocode_with_cache(addresses, coder, store)
        kept = store.lookup(coder.name, [a.cache_key for a in addresses])
        assert set(kept) == {a.cache_key for a in addresses[:20]}
        assert all(kept[a.cache_key].found for a in addresses[:20])
    finally:
        server.stop()


def test_every_ohana_location_is_placed_with_its_schedules_and_languages(shared, tmp_path):
    """Issue #16: the real San Mateo sample's 22 locations all become assets. The one with
    no coordinates (a virtual location with a mailing address) is placed by the geocoder;
    the local server places only that address, at a point chosen for the test."""
    from mapping.interchange.hsds import place_by_address, read_hsds
    from mapping.records.assets import normalize_assets

    server = _Server(_census_handler({"123 MAIN STREET": (38.8462, -77.3064, "51059440100")}))
    try:
        records, _ = read_hsds(shared / "hsds" / "ohana_api_smc_sample", source="ohana")
        placed, unmatched = place_by_address(
            records, geocoder=CensusGeocoder(base_url=f"{server.url}/geocoder"),
            cache=Store(f"sqlite:///{tmp_path / 'g.db'}"))
    finally:
        server.stop()
    assert unmatched == []
    assets, problems = normalize_assets(placed, source="ohana")
    assert problems == [] and len(assets) == 22
    virtual = assets.set_index("name").loc["Location with no phone"]
    assert (round(virtual.geometry.y, 4), round(virtual.geometry.x, 4)) == (38.8462, -77.3064)
    assert virtual["address"] == "123 Main Street, Fairfax, VA 22031"
    # Languages by name and variant ("Chinese (Mandarin)", "Taiwanese") all known now.
    langs = set().union(*assets["languages"])
    assert {"yue", "zh", "nan", "tl", "it", "hi", "ko", "vi"} <= langs
    # Regular and holiday schedules become the hours (location 22: Mon-Fri 8-5 ...).
    hours = assets.set_index("name").loc["Example Location", "hours"]
    assert hours.startswith("Mon, Tue, Wed, Thu, Fri 08:00-17:00; Sat 10:00-18:00")
    assert "holiday 12/24/2015" in hours


def test_a_location_off_the_globe_is_placed_by_its_address(shared, tmp_path):
    """Issue #16: the official HSDS 3.0 example's location says latitude 100, longitude 101
    (not on the globe). It is placed by its address, as a location without coordinates is;
    where the geocoder does not know the address, the row is reported, never imported at
    (100, 101). The local server knows the example's street only in the first run."""
    from mapping.interchange.hsds import place_by_address, read_hsds
    from mapping.records.assets import normalize_assets

    folder = tmp_path / "json"
    folder.mkdir()
    shutil.copy(shared / "hsds" / "hsds_3_0" / "examples" / "service_full.json", folder)
    records, _ = read_hsds(folder, source="partner")
    assert (records["latitude"].tolist(), records["longitude"].tolist()) == ([100], [101])
    street = "1-30 MAIN STREET, MYVILLAGE"  # address_1 and address_2, as sent
    for known, placed_at in (({street: (51.5072, -0.1276, "")}, (51.5072, -0.1276)),
                             ({}, None)):
        server = _Server(_census_handler(known))
        try:
            placed, unmatched = place_by_address(
                records, geocoder=CensusGeocoder(base_url=f"{server.url}/geocoder"),
                cache=Store(f"sqlite:///{tmp_path / f'g{len(known)}.db'}"))
        finally:
            server.stop()
        assets, problems = normalize_assets(placed, source="partner")
        if placed_at:
            assert unmatched == [] and problems == []
            point = assets.geometry.iloc[0]
            assert (round(point.y, 4), round(point.x, 4)) == placed_at
            assert assets.iloc[0]["city"] == "MyCity"
        else:
            assert unmatched == [1] and assets.empty
            assert "coordinates out of range" in problems[0].reason
