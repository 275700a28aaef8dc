"""Addresses: a one-line address and its parts (street, city, state, postal code, country).

The asset model keeps both. The one line is what staff type and what geocoders read; the
parts are what Open Referral (HSDS) and mail merges need. Parts come from a source that
has them (an HSDS file) or are parsed from the one line by ``usaddress`` (a trained US
address parser, not a regex). State names and FIPS codes become postal codes from the
Census Bureau's state list shipped with ``addfips``.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
from collections.abc import Mapping
from typing import Any

import usaddress

#: The parts, in the asset model's names (HSDS: address_1, city, state_province,
#: postal_code, country).
ADDRESS_FIELDS = ("street", "city", "state", "postal_code", "country")
#: Longest text each part may hold (the database's column sizes).
PART_LIMITS = {"street": 400, "city": 200, "state": 100, "postal_code": 40, "country": 60}

_NOT_STREET = ("PlaceName", "StateName", "ZipCode", "CountryName", "Recipient")


def state_postal(text: str) -> str:
    """Return the two-letter postal code of a state given by FIPS code, name or postal
    code (any case), or ``""`` if it names none.

    Examples
    --------
    >>> state_postal("17"), state_postal("ILLINOIS"), state_postal("ca"), state_postal("x")
    ('IL', 'IL', 'CA', '')
    """
    return _state_postal_codes().get(text.strip().lower(), "")


@functools.cache
def _state_postal_codes() -> dict[str, str]:
    """``{fips, name or postal code (lower case): postal code}`` from the shipped list."""
    out: dict[str, str] = {}
    with (importlib.resources.files("addfips") / "data" / "states.csv").open(
            encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for key in (row["fips"], row["name"].lower(), row["postal"].lower()):
                out[key] = row["postal"]
    return out


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value).strip()


@functools.lru_cache(maxsize=65536)
def address_parts(text: str, *, state: str = "") -> dict[str, str]:
    """Return the parts of a one-line US address; a part the line lacks is ``""``.

    ``state`` fills a missing state (a dataset's own). The country is ``US`` when the
    state is a US state. A line the parser cannot read (for example two ZIP codes) keeps
    its text as the street, so nothing typed is lost.

    Examples
    --------
    >>> address_parts("2600 Middlefield Road, Redwood City, California 94063")
    {'street': '2600 Middlefield Road', 'city': 'Redwood City', 'state': 'CA', 'postal_code': '94063', 'country': 'US'}
    >>> address_parts("1633 W CONGRESS PWY, 60612", state="IL")["city"], address_parts("")["street"]
    ('', '')
    """
    line = text.strip()
    if not line:
        return dict.fromkeys(ADDRESS_FIELDS, "")
    try:
        tags, _kind = usaddress.tag(line)
    except usaddress.RepeatedLabelError:
        tags = {"AddressNumber": line}
    street = " ".join(v for k, v in tags.items() if k not in _NOT_STREET).strip(" ,")
    named = tags.get("StateName", "").strip(" ,.")
    postal = state_postal(named) if named else state_postal(state) if state else ""
    parts = {"street": street, "city": tags.get("PlaceName", "").strip(" ,"),
             "state": postal or named or state,
             "postal_code": tags.get("ZipCode", "").strip(" ,"), "country": "US" if postal else ""}
    return {k: v[:PART_LIMITS[k]] for k, v in parts.items()}  # the whole line stays as typed


def with_address_parts(record: Mapping[str, Any], *, state: str = "") -> dict[str, Any]:
    """Return the record with its address whole: parts parsed from the one line when it
    has none, the one line joined from the parts when it has none.

    Examples
    --------
    >>> r = with_address_parts({"address": "24 Second Avenue, San Mateo, CA 94401"})
    >>> r["city"], r["postal_code"]
    ('San Mateo', '94401')
    >>> with_address_parts({"street": "1 Main St", "city": "Joliet", "state": "IL"})["address"]
    '1 Main St, Joliet, IL'
    """
    out = dict(record)
    parts = {f: _text(out.get(f)) for f in ADDRESS_FIELDS}
    line = _text(out.get("address"))
    if line and not any(parts.values()):
        parts = address_parts(line, state=state)
    elif not line and any(parts.values()):
        line = join_address(parts)
    out.update(parts, address=line)
    return out


def join_address(parts: Mapping[str, Any]) -> str:
    """Return one line from an address's parts (``street, city, ST 12345``).

    Examples
    --------
    >>> join_address({"street": "24 Second Avenue", "city": "San Mateo", "state": "CA",
    ...               "postal_code": "94401", "country": "US"})
    '24 Second Avenue, San Mateo, CA 94401'
    """
    tail = " ".join(p for p in (_text(parts.get("state")), _text(parts.get("postal_code"))) if p)
    return ", ".join(p for p in (_text(parts.get("street")), _text(parts.get("city")), tail) if p)
