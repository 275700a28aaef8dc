"""A local stand-in for the Census Data API and boundary server, speaking their formats.

It answers on 127.0.0.1 only: ``groups/<table>.json`` structures, data queries as JSON
arrays of strings whose first row is the header and whose last columns are ``state``,
``county``, ``tract``, errors as the API gives them (HTML for a bad key, a redirect for a
missing key, ``error: ...`` text with 400, 404 for an unpublished release), and
boundary zips. Failures can be injected: 5xx answers and slow answers (time-outs).
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SENTINEL_E = "-666666666"
SENTINEL_M = "-222222222"


@dataclass
class FakeCensus:
    """What the fake server knows and how it misbehaves."""

    groups: dict[int, dict[str, dict[str, str]]]  # year -> table -> {var: label}
    states: dict[str, str]  # fips -> name
    counties: dict[str, dict[str, str]]  # state -> {county fips: name}
    values: dict[int, dict[str, dict[str, str]]]  # year -> geoid -> {var: value}
    boundaries: dict[tuple[int, str], bytes]  # (year, state) -> zip
    require_key: bool = False
    valid_keys: set[str] = field(default_factory=lambda: {"GOODKEY"})
    fail_next: int = 0  # answer this many requests with 500 first
    delay_next: float = 0.0  # sleep this long before the next answer (once)
    bodies_next: list[str] = field(default_factory=list)  # answer the next requests so (200)
    # "drip-body" / "drip-headers": one byte every 0.2 s, for ever; "huge": 60 MB of JSON-ish
    # text without a Content-Length. Applies to every request while set.
    misbehave: str = ""
    log: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeCensus:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                fake.log.append(self.path)
                if fake.misbehave:
                    return self._misbehave(fake.misbehave)
                if fake.delay_next:
                    delay, fake.delay_next = fake.delay_next, 0.0
                    time.sleep(delay)
                if fake.fail_next:
                    fake.fail_next -= 1
                    return self._send(500, "There was an error while running your query.  "
                                           "We've logged the error and we'll correct it ASAP.")
                status, body, headers = fake.answer(self.path)
                self._send(status, body, headers)

            def _misbehave(self, how: str) -> None:
                try:
                    if how == "drip-headers":
                        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(0.2)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    if how == "drip-body":
                        self.send_header("Content-Length", "100000")
                        self.end_headers()
                        for _ in range(100_000):
                            self.wfile.write(b" ")
                            self.wfile.flush()
                            time.sleep(0.2)
                    elif how == "huge":
                        self.end_headers()
                        chunk = b'[["x"],' + b" " * (1024 * 1024)
                        for _ in range(60):
                            self.wfile.write(chunk)
                except OSError:  # the client hung up: what it should do
                    pass

            def _send(self, status: int, body: str | bytes, headers: dict | None = None) -> None:
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # ------------------------------------------------------------ routing

    def answer(self, raw_path: str) -> tuple[int, str | bytes, dict[str, str]]:
        if self.bodies_next and not raw_path.startswith("/geo/"):
            return 200, self.bodies_next.pop(0), {"Content-Type": "application/json"}
        parts = urllib.parse.urlsplit(raw_path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        path = parts.path
        m = re.fullmatch(r"/geo/tiger/GENZ(\d{4})/shp/cb_\d{4}_(\d{2})_tract_500k\.zip", path)
        if m:
            data = self.boundaries.get((int(m.group(1)), m.group(2)))
            return (200, data, {"Content-Type": "application/zip"}) if data else (404, "Not Found", {})
        if path.startswith("/geo/"):
            return 404, "Not Found", {}
        key = query.get("key")
        if key is not None and key not in self.valid_keys:
            return 200, ("<html><head><title>Invalid Key</title></head><body><h1>Invalid Key</h1>"
                         "<p>A valid <em>key</em> must be included with each data API request. "
                         "You included a key with this request, however, it is not valid.</p>"
                         "</body></html>"), {"X-DataWebAPI-KeyError": "true",
                                             "Content-Type": "text/html"}
        if key is None and self.require_key:
            return 302, "", {"Location": "https://api.census.gov/data/missing_key.html"}
        m = re.fullmatch(r"/data/(\d{4})/acs/acs5(?:/groups/(\w+)\.json)?", path)
        if not m or int(m.group(1)) not in self.groups:
            return 404, ("<html><body>error: The requested resource is not available."
                         "</body></html>"), {"Content-Type": "text/html"}
        year = int(m.group(1))
        if m.group(2):
            table = self.groups[year].get(m.group(2))
            if table is None:
                return 404, "error: unknown group", {}
            variables = {}
            for var, label in table.items():
                variables[var] = {"label": label, "concept": m.group(2), "predicateType": "int",
                                  "group": m.group(2), "limit": 0,
                                  "attributes": f"{var[:-1]}EA,{var[:-1]}M,{var[:-1]}MA"}
                variables[var[:-1] + "M"] = {"label": "Margin of Error!!" + label[10:],
                                             "predicateType": "int", "group": m.group(2)}
            return 200, json.dumps({"variables": variables}), {"Content-Type": "application/json"}
        return self._data(year, query)

    def _data(self, year: int, query: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        get = [v for v in query.get("get", "").split(",") if v]
        if len(get) > 50:
            return 400, "error: You requested more than the maximum of 50 variables.", {}
        known = {v for t in self.groups[year].values() for e in t for v in (e, e[:-1] + "M")}
        for v in get:
            if v != "NAME" and v not in known:
                return 400, f"error: error: unknown variable '{v}'", {}
        geo_for, geo_in = query.get("for", ""), query.get("in", "")
        json_type = {"Content-Type": "application/json;charset=utf-8"}
        if geo_for == "state:*":
            rows = [["NAME", "state"]] + [[n, f] for f, n in self.states.items()]
            return 200, json.dumps(rows), json_type
        if geo_for == "county:*":
            state = geo_in.removeprefix("state:")
            if state not in self.counties:
                return 400, "error: unknown/unsupported geography heirarchy", {}
            rows = [["NAME", "state", "county"]] + [
                [f"{n}, {self.states[state]}", state, c] for c, n in self.counties[state].items()]
            return 200, json.dumps(rows), json_type
        m = re.fullmatch(r"state:(\d{2})[ +]county:(\d{3})", geo_in)
        if geo_for != "tract:*" or not m:
            return 400, "error: unknown/unsupported geography heirarchy", {}
        prefix = m.group(1) + m.group(2)
        tracts = sorted(g for g in self.values[year] if g.startswith(prefix))
        if not tracts:
            return 204, "", {}
        rows = [[*get, "state", "county", "tract"]]
        for geoid in tracts:
            vals = self.values[year][geoid]
            rows.append([vals.get(v, SENTINEL_M if v.endswith("M") else SENTINEL_E) for v in get]
                        + [geoid[:2], geoid[2:5], geoid[5:]])
        return 200, json.dumps(rows), json_type
