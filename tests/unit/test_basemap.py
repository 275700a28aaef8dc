"""The static maps' basemap (issue #12 item 3), from a tile server on 127.0.0.1 speaking
the XYZ tile format; offline, a neutral background and a footer that says so."""

from __future__ import annotations

import io
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from mapping.analysis.filters import Filters, compute_measure, default_indicator
from mapping.present.basemap import fetch_basemap, forget_failures, zoom_for
from mapping.present.pack import MapRequest, figure_bytes, map_figure
from tests.unit.test_pack import _pdf_text

TILE_COLOR = (255, 0, 255)  # no class, marker or background colour is magenta


def _tile_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_COLOR).save(out, format="PNG")
    return out.getvalue()


class TileServer:
    """Answers /{z}/{x}/{y}.png with a magenta tile, an error, or slowly."""

    def __init__(self, mode: str = "tiles") -> None:
        self.mode = mode
        self.asked: list[str] = []
        state = self
        tile = _tile_png()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                state.asked.append(self.path)
                if not re.fullmatch(r"/\d+/\d+/\d+\.png", self.path):
                    self.send_error(404)
                    return
                if state.mode == "error":
                    self.send_error(500)
                    return
                if state.mode == "slow":
                    time.sleep(3)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.template = f"http://127.0.0.1:{self.server.server_port}/{{z}}/{{x}}/{{y}}.png"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tiles() -> Iterator[TileServer]:
    forget_failures()
    server = TileServer()
    yield server
    server.stop()
    forget_failures()


def _request(demo, template: str) -> MapRequest:
    catalog = demo.area_set.catalog
    measure = compute_measure(demo.area_set, Filters(indicator=default_indicator(catalog).id))
    return MapRequest(demo.area_set, measure, demo.assets.iloc[:0], title="With a basemap",
                      basemap=template)


def _magenta(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(n for n, color in image.getcolors(1_000_000) if color == TILE_COLOR)


def test_the_basemap_is_drawn_under_the_areas_with_its_attribution(demo, tiles, tmp_path):
    png = figure_bytes(map_figure(_request(demo, tiles.template)), "png", dpi=60)
    assert _magenta(png) > 5_000  # the tiles show around the county
    assert tiles.asked and all(re.fullmatch(r"/\d+/\d+/\d+\.png", p) for p in tiles.asked)
    if subprocess.run(["which", "pdftotext"], capture_output=True).returncode == 0:
        text = _pdf_text(figure_bytes(map_figure(_request(demo, tiles.template)), "pdf"),
                         tmp_path)
        assert "OpenStreetMap contributors" in text


def test_an_unreachable_tile_service_leaves_a_neutral_background_and_says_so(demo, tmp_path):
    forget_failures()
    server = TileServer("error")
    try:
        request = _request(demo, server.template)
        png = figure_bytes(map_figure(request), "png", dpi=60)
        asked = len(server.asked)
        assert asked >= 1 and _magenta(png) == 0
        background = Image.open(io.BytesIO(png)).convert("RGB").getcolors(1_000_000)
        assert sum(n for n, c in background if c == (0xEE, 0xF0, 0xF2)) > 5_000  # not blank
        # Asked again a moment later: the failed service is left alone (no waiting).
        pdf = figure_bytes(map_figure(request), "pdf")
        assert len(server.asked) == asked
        if subprocess.run(["which", "pdftotext"], capture_output=True).returncode == 0:
            assert "No basemap" in _pdf_text(pdf, tmp_path)
    finally:
        server.stop()
        forget_failures()


def test_a_slow_tile_service_is_given_up_at_the_total_time():
    forget_failures()
    server = TileServer("slow")
    try:
        started = time.monotonic()
        assert fetch_basemap((0.0, 0.0, 20_000.0, 20_000.0), template=server.template,
                             pixels=512, total_seconds=1.0) is None
        assert time.monotonic() - started < 2.5
    finally:
        server.stop()
        forget_failures()


def test_a_large_extent_takes_a_coarser_zoom_not_more_tiles(tiles):
    box = (-10_000_000.0, 2_000_000.0, -7_000_000.0, 6_000_000.0)  # most of a continent
    base = fetch_basemap(box, template=tiles.template, pixels=8_000, max_tiles=12)
    assert base is not None and len(tiles.asked) <= 12
    assert base.image.shape[0] * base.image.shape[1] <= 12 * 256 * 256
    west, south, east, north = base.extent
    assert west <= box[0] and east >= box[2] and south <= box[1] and north >= box[3]
    assert zoom_for(east - west, 256) >= 0


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
    ({"NAM_TILES": "none"}, ""),
    ({"NAM_STATIC_TILES": "none"}, ""),
    ({"NAM_STATIC_TILES": "http://127.0.0.1:8080/{z}/{x}/{y}.png"},
     "http://127.0.0.1:8080/{z}/{x}/{y}.png"),
])
def test_the_static_tiles_setting(environ, expected, tmp_path):
    from mapping.infra.settings import load_settings
    assert load_settings({"NAM_DATA_DIR": str(tmp_path), **environ}).static_tiles == expected


@pytest.mark.parametrize("bad", ["file:///etc/passwd/{z}/{x}/{y}", "https://tiles.example.org/"])
def test_a_static_tiles_address_that_is_not_a_tile_template_is_refused(bad, tmp_path):
    from mapping.infra.errors import ConfigError
    from mapping.infra.settings import load_settings
    with pytest.raises(ConfigError, match="NAM_STATIC_TILES must be none or an http"):
        load_settings({"NAM_DATA_DIR": str(tmp_path), "NAM_STATIC_TILES": bad})
