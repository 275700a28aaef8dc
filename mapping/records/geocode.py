"""Geocoding addresses into coordinates: the Census Bureau's batch geocoder or Nominatim.

Both are written for the real services (tests run them against local servers that speak
their formats). Results are cached in the asset database, so an address is looked up once;
unmatched addresses come back as such, to be placed by hand on the map.

* Census batch geocoder: ``POST {base}/geographies/addressbatch`` with a CSV of
  ``id, street, city, state, ZIP`` (at most 10,000 rows a request); it answers with the
  match, the coordinates and the census tract.
* Nominatim (OpenStreetMap) through geopy: at most one request a second, with an
  identifying user agent, as its usage policy requires.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import urllib.error
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from mapping.infra import web
from mapping.infra.errors import DataError

CENSUS_GEOCODER = "https://geocoding.geo.census.gov/geocoder"
BATCH_LIMIT = 10_000
MAX_ANSWER_BYTES_PER_ROW = 2_000  # a matched row is ~200 bytes
NOMINATIM_MAX_BYTES = 1_000_000  # one place (exactly_one) is ~1 KB
USER_AGENT = web.USER_AGENT

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Address:
    """One address to look up; ``key`` identifies the row it came from."""

    key: str
    street: str
    city: str = ""
    state: str = ""
    zip: str = ""

    @property
    def text(self) -> str:
        """The address on one line."""
        return ", ".join(p for p in (self.street, self.city, self.state, self.zip) if p.strip())

    @property
    def cache_key(self) -> str:
        """The address normalised for the cache: case and spacing do not matter."""
        return re.sub(r"\s+", " ", self.text.strip().lower())


@dataclass(frozen=True)
class Geocode:
    """The answer for one address (``latitude`` is None when nothing matched)."""

    key: str
    latitude: float | None
    longitude: float | None
    matched: str = ""
    tract: str = ""
    provider: str = ""

    @property
    def found(self) -> bool:
        """True when the address was placed."""
        return self.latitude is not None


class CensusGeocoder:
    """The Census Bureau's batch geocoder (addresses in the United States)."""

    name = "census"
    part_size = BATCH_LIMIT  # addresses looked up (and cached) together

    def __init__(self, *, base_url: str = CENSUS_GEOCODER, benchmark: str = "Public_AR_Current",
                 vintage: str = "Current_Current", timeout: float = 300.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.benchmark = benchmark
        self.vintage = vintage
        self.timeout = timeout

    def geocode(self, addresses: Sequence[Address], *, progress: Progress | None = None
                ) -> list[Geocode]:
        """Return one answer per address, sending batches of at most 10,000."""
        out: list[Geocode] = []
        for start in range(0, len(addresses), BATCH_LIMIT):
            batch = addresses[start:start + BATCH_LIMIT]
            if progress:
                progress(start / max(len(addresses), 1), f"Geocoding {start + 1:,} onwards")
            out.extend(self._batch(batch))
        return out

    def _batch(self, batch: Sequence[Address]) -> list[Geocode]:
        rows = io.StringIO()
        writer = csv.writer(rows)
        for i, a in enumerate(batch):
            writer.writerow([i, a.street, a.city, a.state, a.zip])
        body, content_type = _multipart(
            {"benchmark": self.benchmark, "vintage": self.vintage},
            {"addressFile": ("addresses.csv", rows.getvalue().encode())})
        url = f"{self.base_url}/geographies/addressbatch"
        try:
            answer = web.ask(url, data=body, method="POST", headers={"Content-Type": content_type},
                             max_bytes=MAX_ANSWER_BYTES_PER_ROW * len(batch) + 64_000,
                             total_seconds=self.timeout)
        except (web.AnswerTooLarge, web.AnswerTooSlow) as exc:
            raise DataError(f"the Census geocoder: {exc}; nothing was kept, place the assets "
                            "by hand or try again later") from None
        except (urllib.error.URLError, OSError) as exc:
            raise DataError(f"cannot reach the Census geocoder ({getattr(exc, 'reason', exc)}); "
                            "place the assets by hand or try again later") from None
        if answer.status >= 400:
            raise DataError(f"the Census geocoder answered {answer.status}: "
                            f"{_gist(answer.text)}") from None
        return _read_batch_answer(answer.text, batch, self.name)


def _read_batch_answer(text: str, batch: Sequence[Address], provider: str) -> list[Geocode]:
    """The batch geocoder's CSV answer, one row per address sent, checked: an error page,
    an answer for only some of the addresses or a coordinate that is not a number is an
    error (never taken, or cached, as "not found")."""
    if text.lstrip()[:1] == "<":
        raise DataError("the Census geocoder answered with a web page instead of its CSV "
                        f"answer ({_gist(text)}); try again later")
    answers: dict[int, Geocode] = {}
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0].strip().isdigit():
            continue
        i = int(row[0])
        if i >= len(batch):
            continue
        key = batch[i].key
        if len(row) >= 6 and row[2] == "Match":
            lon, lat = _coordinates(row[5], provider)
            tract = "".join(row[8:11]) if len(row) >= 11 else ""
            answers[i] = Geocode(key, lat, lon, row[4], tract, provider)
        else:
            answers[i] = Geocode(key, None, None, provider=provider)
    if len(answers) < len(batch):
        raise DataError(f"the Census geocoder answered {len(answers):,} of the {len(batch):,} "
                        "addresses sent; nothing was kept, try again later")
    return [answers[i] for i in range(len(batch))]


def _coordinates(text: str, provider: str) -> tuple[float, float]:
    """``"lon,lat"`` as two finite numbers on the globe, or a :class:`DataError`."""
    parts = text.split(",")
    try:
        lon, lat = (float(v) for v in parts)
    except ValueError:
        raise DataError(f"the {provider} geocoder sent coordinates that are not two numbers "
                        f"({text[:60]!r}); nothing was kept, try again later") from None
    return _checked(lat, lon, provider)[::-1]


def _checked(lat: float, lon: float, provider: str) -> tuple[float, float]:
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
            and -180 <= lon <= 180):
        raise DataError(f"the {provider} geocoder sent a point off the globe ({lat}, {lon}); "
                        "nothing was kept, try again later")
    return lat, lon


def _gist(text: str) -> str:
    """The first words of an answer, markup removed, for a message."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", text[:2000])).strip()[:160]


class NominatimGeocoder:
    """OpenStreetMap's Nominatim through geopy, one request a second."""

    name = "nominatim"
    part_size = 20  # addresses looked up (and cached) together: 20 s at the service's pace

    def __init__(self, *, domain: str = "nominatim.openstreetmap.org", scheme: str = "https",
                 min_delay_seconds: float = 1.0, country_codes: str | None = None) -> None:
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        self._client = Nominatim(user_agent=USER_AGENT, domain=domain, scheme=scheme,
                                 timeout=30, adapter_factory=_bounded_adapter)
        self._lookup = RateLimiter(self._client.geocode, min_delay_seconds=min_delay_seconds,
                                   max_retries=2, error_wait_seconds=2.0, swallow_exceptions=False)
        self.country_codes = country_codes

    def geocode(self, addresses: Sequence[Address], *, progress: Progress | None = None
                ) -> list[Geocode]:
        """Return one answer per address (a request each, at the service's pace)."""
        from geopy.exc import GeopyError

        out = []
        for i, a in enumerate(addresses):
            if progress:
                progress(i / max(len(addresses), 1), f"Looking up {a.text}")
            try:
                found = self._lookup(a.text, exactly_one=True, country_codes=self.country_codes)
            except GeopyError as exc:
                raise DataError(f"Nominatim could not be used ({exc}); place the assets by hand "
                                "or try again later") from None
            except (ValueError, TypeError):  # geopy's float() of the answer's lat / lon
                raise DataError("Nominatim sent coordinates that are not numbers; nothing was "
                                "kept for that address, try again later") from None
            if found is None:
                out.append(Geocode(a.key, None, None, provider=self.name))
            else:
                lat, lon = _checked(float(found.latitude), float(found.longitude), self.name)
                out.append(Geocode(a.key, lat, lon, str(found.address), provider=self.name))
        return out


def _bounded_adapter(**kwargs: Any) -> Any:
    """A geopy adapter whose answers are bounded by :func:`mapping.infra.web.ask` (size and total
    time); geopy's own adapters read an answer whole, however large or slow."""
    from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
    from geopy.exc import GeocoderParseError, GeocoderServiceError, GeocoderTimedOut, GeocoderUnavailable

    class BoundedAdapter(BaseSyncAdapter):
        def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
            text = self.get_text(url, timeout=timeout, headers=headers)
            try:
                return json.loads(text)
            except (ValueError, RecursionError):
                raise GeocoderParseError(f"the answer is not JSON ({_gist(text)})") from None

        def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
            try:
                answer = web.ask(url, max_bytes=NOMINATIM_MAX_BYTES, total_seconds=timeout,
                                 headers=headers)
            except web.AnswerTooSlow as exc:
                raise GeocoderTimedOut(str(exc)) from None
            except web.AnswerTooLarge as exc:
                raise GeocoderServiceError(str(exc)) from None
            except (urllib.error.URLError, OSError) as exc:
                raise GeocoderUnavailable(f"cannot reach {web.host(url)} "
                                          f"({getattr(exc, 'reason', exc)})") from None
            if answer.status >= 400:
                raise AdapterHTTPError(f"answered {answer.status}: {_gist(answer.text)}",
                                       status_code=answer.status,
                                       headers={k.lower(): v for k, v in answer.headers.items()},
                                       text=answer.text)
            return answer.text

    return BoundedAdapter(**kwargs)


def geocode_with_cache(addresses: Sequence[Address], geocoder: CensusGeocoder | NominatimGeocoder,
                       cache: GeocodeCache, *, progress: Progress | None = None) -> list[Geocode]:
    """Return answers for every address, asking the service only for those not cached."""
    known = cache.lookup(geocoder.name, [a.cache_key for a in addresses])
    todo = [a for a in addresses if a.cache_key not in known]
    fresh: list[Geocode] = []
    # Kept after every part, so a failure half-way (the service stops answering) loses only
    # the part under way: asking again starts where it stopped.
    for start in range(0, len(todo), geocoder.part_size):
        part = todo[start:start + geocoder.part_size]
        answers = geocoder.geocode(part, progress=progress)
        cache.remember(geocoder.name, [(a.cache_key, g)
                                       for a, g in zip(part, answers, strict=True)])
        fresh.extend(answers)
    by_key = {g.key: g for g in fresh}
    out = []
    for a in addresses:
        if a.cache_key in known:
            g = known[a.cache_key]
            out.append(Geocode(a.key, g.latitude, g.longitude, g.matched, g.tract, g.provider))
        else:
            out.append(by_key[a.key])
    if progress:
        progress(1.0, "Done")
    return out


class GeocodeCache(Protocol):
    """What a cache does; :class:`mapping.records.store.Store` keeps it in the database."""

    def lookup(self, provider: str, keys: Sequence[str]) -> dict[str, Geocode]:
        """Return the cached answers for these normalised addresses."""

    def remember(self, provider: str, answers: Sequence[tuple[str, Geocode]]) -> None:
        """Keep answers (matched or not) for next time."""


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def add_coordinates(frame: pd.DataFrame, *, street: str, city: str | None, state: str | None,
                    zip_column: str | None, geocoder: CensusGeocoder | NominatimGeocoder,
                    cache: GeocodeCache, progress: Progress | None = None
                    ) -> tuple[pd.DataFrame, list[int]]:
    """Return the table with ``latitude``/``longitude`` filled by geocoding, and the rows
    (counted from 1) whose address was not found, to be placed by hand."""
    def col(name: str | None) -> pd.Series:
        if name is None:
            return pd.Series("", index=frame.index)
        if name not in frame.columns:
            raise DataError(f"no column {name!r} to read addresses from")
        return frame[name].fillna("").astype(str)

    streets, cities, states, zips = col(street), col(city), col(state), col(zip_column)
    addresses = [Address(str(i), s, c, st, z) for i, s, c, st, z in
                 zip(range(len(frame)), streets, cities, states, zips, strict=True)]
    answers = {g.key: g for g in geocode_with_cache(addresses, geocoder, cache,
                                                    progress=progress)}
    out = frame.copy()
    out["latitude"] = [answers[str(i)].latitude for i in range(len(frame))]
    out["longitude"] = [answers[str(i)].longitude for i in range(len(frame))]
    unmatched = [i + 1 for i in range(len(frame)) if not answers[str(i)].found]
    return out, unmatched
