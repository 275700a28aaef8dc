"""A basemap under the static maps: web map tiles fetched, bounded, and stitched.

The tiles come from an XYZ tile service (``{z}/{x}/{y}`` in Web Mercator, such as
OpenStreetMap's). Every tile is one bounded request (:func:`mapping.infra.web.ask`) under one
deadline for the whole picture, and a picture takes a bounded number of tiles. Offline, or
when the service does not answer in time, there is no basemap: the caller draws the areas
on a neutral background and says so. A service that failed is not asked again for a few
minutes, so an offline meeting pack is not slowed by waiting on it each time.
"""

from __future__ import annotations

import io
import math
import threading
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image

from mapping.infra import web
from mapping.infra.errors import MappingError

OSM_ATTRIBUTION = "Basemap © OpenStreetMap contributors"
TILE_PIXELS = 256
MAX_TILES = 48
TILE_BYTES = 1_000_000
TOTAL_SECONDS = 8.0
RETRY_AFTER = 300.0  # seconds a failed service is left alone
EARTH_RADIUS = 6_378_137.0  # metres, Web Mercator's sphere
#: Half the width of the Web Mercator world, in metres.
HALF_WORLD = math.pi * EARTH_RADIUS

_failed: dict[str, float] = {}
_failed_lock = threading.Lock()


@dataclass(frozen=True)
class Basemap:
    """A stitched picture and the Web Mercator box it covers (west, south, east, north)."""

    image: np.ndarray
    extent: tuple[float, float, float, float]
    attribution: str


def _tile_of(x: float, y: float, zoom: int) -> tuple[float, float]:
    """Web Mercator metres to fractional tile numbers at ``zoom``."""
    n = 2 ** zoom
    return (x + HALF_WORLD) / (2 * HALF_WORLD) * n, (HALF_WORLD - y) / (2 * HALF_WORLD) * n


def zoom_for(width_m: float, pixels: int) -> int:
    """The tile zoom at which ``width_m`` metres span at least ``pixels`` pixels.

    >>> zoom_for(2 * HALF_WORLD, 256), zoom_for(40_000, 1600)
    (0, 13)
    """
    zoom = math.log2(pixels * 2 * HALF_WORLD / (TILE_PIXELS * max(width_m, 1.0)))
    return int(min(19, max(0, math.ceil(zoom - 1e-9))))


def fetch_basemap(box: tuple[float, float, float, float], *, template: str, pixels: int,
                  attribution: str = OSM_ATTRIBUTION, total_seconds: float = TOTAL_SECONDS,
                  max_tiles: int = MAX_TILES) -> Basemap | None:
    """The tiles covering ``box`` (Web Mercator metres) stitched, about ``pixels`` wide;
    ``None`` when the service cannot give them all in time (or failed a moment ago)."""
    if not template:
        return None
    with _failed_lock:
        if time.monotonic() - _failed.get(template, -RETRY_AFTER) < RETRY_AFTER:
            return None
    x0, y0, x1, y1 = box
    zoom = zoom_for(x1 - x0, pixels)
    while True:
        tx0, ty0 = _tile_of(x0, y1, zoom)  # north-west
        tx1, ty1 = _tile_of(x1, y0, zoom)  # south-east
        cols = range(math.floor(tx0), math.floor(tx1) + 1)
        rows = range(math.floor(ty0), math.floor(ty1) + 1)
        if len(cols) * len(rows) <= max_tiles or zoom == 0:
            break
        zoom -= 1
    deadline = time.monotonic() + total_seconds
    picture = np.zeros((len(rows) * TILE_PIXELS, len(cols) * TILE_PIXELS, 3), dtype=np.uint8)
    n = 2 ** zoom
    try:
        for j, ty in enumerate(rows):
            for i, tx in enumerate(cols):
                if not 0 <= ty < n:
                    continue  # beyond the poles: left blank
                left = deadline - time.monotonic()
                if left <= 0:
                    raise web.AnswerTooSlow("the basemap took too long")
                url = template.format(z=zoom, x=tx % n, y=ty)
                answer = web.ask(url, max_bytes=TILE_BYTES, total_seconds=left)
                if answer.status != 200:
                    raise MappingError(f"{web.host(url)} answered {answer.status}")
                tile = Image.open(io.BytesIO(answer.body)).convert("RGB")
                if tile.size != (TILE_PIXELS, TILE_PIXELS):
                    tile = tile.resize((TILE_PIXELS, TILE_PIXELS))
                picture[j * TILE_PIXELS:(j + 1) * TILE_PIXELS,
                        i * TILE_PIXELS:(i + 1) * TILE_PIXELS] = np.asarray(tile)
    except (MappingError, OSError, ValueError, Image.DecompressionBombError):
        with _failed_lock:
            _failed[template] = time.monotonic()
        return None
    size = 2 * HALF_WORLD / n
    west = cols[0] * size - HALF_WORLD
    north = HALF_WORLD - rows[0] * size
    extent = (west, north - len(rows) * size, west + len(cols) * size, north)
    return Basemap(picture, extent, attribution)


def forget_failures() -> None:
    """Ask failed services again at once (tests; a library that just got back online)."""
    with _failed_lock:
        _failed.clear()
