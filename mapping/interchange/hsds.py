"""Open Referral (HSDS) data packages in and out of the asset database.

An asset is a *location* where services are offered: HSDS ``organizations`` +
``locations`` + ``services`` joined through ``services_at_location``. Reading accepts the
HSDS 1.x tabular package and the older Ohana API layout (``services.location_id``,
``locations.languages``); writing produces an HSDS 1.1 package (CSV files and
``datapackage.json``) that reads back to the same assets. Categories travel as a taxonomy
of this app's own terms; without them, a category is guessed from the service names.
Personal contacts (``contacts.csv``) are never read into assets.
"""

from __future__ import annotations

import functools
import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import phonenumbers

from mapping.infra.errors import DataError
from mapping.present.escape import safe_url, spreadsheet_cell
from mapping.records.addresses import address_parts, join_address, state_postal
from mapping.records.assets import CATEGORIES, RowProblem, category, verified_date
from mapping.records.geocode import add_coordinates
from mapping.sources.catalog import language_name

TAXONOMY_VOCABULARY = "newcomer-asset-map"
_KEYWORDS = (
    ("legal", ("legal", "immigration law", "attorney", "daca")),
    ("esl", ("esl", "english", "literacy", "ged", "adult education", "tutoring")),
    ("health", ("health", "clinic", "medical", "dental", "wic", "mental", "counsel")),
    ("food", ("food", "meal", "pantry", "nutrition", "lunch")),
    ("housing", ("housing", "shelter", "homeless", "rent")),
    ("employment", ("employment", "job", "workforce", "career")),
    ("settlement", ("refugee", "immigrant", "resettlement", "citizenship", "newcomer")),
    ("seniors", ("senior", "older adult", "aging")),
    ("family", ("child", "youth", "family", "parent", "head start")),
    ("library", ("library",)),
    ("faith", ("church", "mosque", "temple", "faith", "congregation")),
)


def guess_category(text: str) -> str:
    """Return the category a service description most plausibly belongs to.

    Examples
    --------
    >>> guess_category("Free immigration legal clinic"), guess_category("Bingo night")
    ('legal', 'community')
    """
    low = text.lower()
    for key, words in _KEYWORDS:
        if any(re.search(rf"\b{re.escape(w)}", low) for w in words):
            return key
    return "community"


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.csv"
    if not path.exists():
        return pd.DataFrame()
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:  # a table with no rows and no header
        return pd.DataFrame()


def _first(frame: pd.DataFrame, key: str, value_col: str) -> dict[str, str]:
    if frame.empty or key not in frame or value_col not in frame:
        return {}
    rows = frame[frame[key] != ""]
    return dict(rows.groupby(key)[value_col].first())


def _address(frame: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The first address of each location, by location id."""
    if frame.empty or "location_id" not in frame:
        return {}
    return {str(r["location_id"]): r for r in frame.to_dict("records")[::-1]}


def _parts(address: Mapping[str, Any] | None) -> dict[str, str]:
    """The asset model's address (one line and parts) from an HSDS address."""
    a = address or {}
    street = ", ".join(p for p in (_text(a.get("address_1")).strip(),
                                   _text(a.get("address_2")).strip()) if p)
    named = _text(a.get("state_province")).strip()
    parts = {"street": street, "city": _text(a.get("city")).strip(),
             "state": state_postal(named) or named, "postal_code": _text(a.get("postal_code")).strip(),
             "country": _text(a.get("country")).strip().upper()}
    return {"address": join_address(parts), **parts}


_WEEKDAYS = {name: code for code, names in zip(
    ("MO", "TU", "WE", "TH", "FR", "SA", "SU"),
    (("1", "monday", "mon"), ("2", "tuesday", "tue"), ("3", "wednesday", "wed"),
     ("4", "thursday", "thu"), ("5", "friday", "fri"), ("6", "saturday", "sat"),
     ("7", "sunday", "sun")), strict=True) for name in names}


def _hours_1x(schedules: tuple[pd.DataFrame, pd.DataFrame], lid: str, sids: list[str]) -> str:
    """One line of hours from HSDS 1.x / Ohana regular and holiday schedules (weekday
    1-7 from Monday, or day names), days with the same hours together."""
    regular, holiday = schedules

    def mine(frame: pd.DataFrame) -> list[dict[str, Any]]:
        if frame.empty:
            return []
        hit = pd.Series(False, index=frame.index)
        if "location_id" in frame:
            hit |= frame["location_id"] == lid
        if "service_id" in frame and sids:
            hit |= frame["service_id"].isin(sids)
        return frame[hit].to_dict("records")

    by_time: dict[tuple[str, str], list[str]] = {}
    for r in mine(regular):
        day = _WEEKDAYS.get(_text(r.get("weekday")).strip().lower())
        if day:
            days = by_time.setdefault((_text(r.get("opens_at")), _text(r.get("closes_at"))), [])
            if day not in days:
                days.append(day)
    lines = [hours_text([(",".join(days), opens, closes)])
             for (opens, closes), days in by_time.items()]
    for r in mine(holiday):
        start, end = _text(r.get("start_date")), _text(r.get("end_date"))
        when = start if end in ("", start) else f"{start} to {end}"
        closed = _text(r.get("closed")).lower() == "true"
        span = f"{_text(r.get('opens_at'))[:5]}-{_text(r.get('closes_at'))[:5]}"
        lines.append(f"holiday {when}: {'closed' if closed else span}")
    return "; ".join(lines)


def read_hsds(folder: Path, *, source: str | None = None
              ) -> tuple[pd.DataFrame, list[RowProblem]]:
    """Return asset records (with ``latitude``/``longitude``) from an Open Referral folder:
    HSDS 3.0 (tabular, or JSON files as the API returns them), HSDS 1.x or Ohana.

    Rows come back unvalidated, ready for :func:`mapping.records.assets.normalize_assets`, which
    refuses those without coordinates or with unknown languages, with the reason.
    ``source`` names where they came from (by default the folder's name).
    """
    source = source or folder.name
    if is_hsds3(folder):
        documents = [p for p in sorted(folder.iterdir())
                     if p.suffix == ".json" and p.name != "datapackage.json"]
        if documents and not (folder / "locations.csv").exists():
            tables: dict[str, list[pd.DataFrame]] = {}
            for path in documents:
                try:
                    data = json.loads(path.read_text(encoding="utf-8-sig"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise DataError(f"{path.name} is not JSON: {exc}") from None
                for name, frame in hsds3_json_tables(data).items():
                    tables.setdefault(name, []).append(frame)
            return read_hsds3({k: pd.concat(v, ignore_index=True) for k, v in tables.items()},
                              source=source), []
        return read_hsds3(_tables3_from_folder(folder), source=source), []
    locations = _read(folder, "locations")
    services = _read(folder, "services")
    if locations.empty or "id" not in locations:
        raise DataError("this is not an Open Referral package: it has no locations.csv")
    organizations = _read(folder, "organizations")
    org_names = _first(organizations, "id", "name")
    org_urls = _first(organizations, "id", "url") or _first(organizations, "id", "website")
    sal = _read(folder, "services_at_location")
    if sal.empty and "location_id" in services:  # Ohana layout
        sal = services[["location_id"]].assign(service_id=services["id"])
    service_by_id = services.set_index("id") if not services.empty else pd.DataFrame()
    languages = _read(folder, "languages")
    phones = _read(folder, "phones")
    phone_by_location = _first(phones, "location_id", "number")
    phone_by_service = _first(phones, "service_id", "number")
    address = _address(_read(folder, "physical_addresses")) or _address(_read(folder, "addresses"))
    # A virtual location has only a mailing address: it is placed there, for want of better.
    mailing = _address(_read(folder, "postal_addresses")) or _address(
        _read(folder, "mail_addresses"))
    address = {**mailing, **address}
    terms = _read(folder, "taxonomy")
    own_terms = set() if terms.empty or "vocabulary" not in terms else set(
        terms.loc[terms["vocabulary"] == TAXONOMY_VOCABULARY, "id"])
    service_terms = _read(folder, "services_taxonomy")
    schedules = (_read(folder, "regular_schedules"), _read(folder, "holiday_schedules"))

    records = []
    for _, loc in locations.iterrows():
        lid = loc["id"]
        sids = sal.loc[sal["location_id"] == lid, "service_id"].tolist() if not sal.empty else []
        svc = service_by_id.loc[[s for s in sids if s in service_by_id.index]] \
            if len(service_by_id) else pd.DataFrame()
        names = [n for n in (svc["name"].tolist() if "name" in svc else []) if n]
        langs: list[str] = []
        if loc.get("languages"):
            langs += [p.strip() for p in loc["languages"].split(",")]
        if "languages" in svc:
            for v in svc["languages"]:
                langs += [p.strip() for p in str(v).split(",") if p.strip()]
        if not languages.empty:
            hit = languages[(languages["location_id"] == lid)
                            | languages["service_id"].isin(sids)]
            langs += hit["language"].tolist()
        cat = None
        if not service_terms.empty and own_terms:
            tids = service_terms.loc[service_terms["service_id"].isin(sids), "taxonomy_id"]
            cat = next((t.split(":", 1)[1] for t in tids if t in own_terms), None)
        description = loc.get("description", "") or " ".join(svc.get("description", []))
        org = loc.get("organization_id", "")
        phone = phone_by_location.get(lid) or next(
            (phone_by_service[s] for s in sids if s in phone_by_service), "")
        website = (loc.get("website", "") or next(
            (u for u in svc.get("url", pd.Series(dtype=str)) if u), "") or org_urls.get(org, ""))
        records.append({
            "asset_id": f"hsds-{lid}", "name": loc["name"], "organization": org_names.get(org, ""),
            "category": cat or guess_category(" ".join([loc["name"], *names, description])),
            "services": names, "languages": list(dict.fromkeys(x for x in langs if x)),
            "communities": [], "phone": phone,
            "website": website, "hours": _hours_1x(schedules, lid, sids),
            "description": description[:2000], "found_by": "service provider",
            "source": source,
            "latitude": pd.to_numeric(loc.get("latitude", ""), errors="coerce"),
            "longitude": pd.to_numeric(loc.get("longitude", ""), errors="coerce"),
            **_parts(address.get(lid)),
        })
    return pd.DataFrame(records), []


#: The tables of the HSDS 1.1 tabular package, as :data:`TABLES3` (from the official
#: 1.1 datapackage.json; its ``url`` format is Table Schema's ``uri``).
TABLES11: dict[str, tuple[str, str, dict[str, str]]] = {
    "organizations": ("organization", "id*:string/uuid name*:string alternate_name:string "
                      "description*:string email:string/email url:string/uri "
                      "tax_status:string tax_id:string year_incorporated:date/%Y "
                      "legal_status:string", {}),
    "programs": ("program", "id*:string organization_id*:string/uuid name*:string "
                 "alternate_name:string", {"organization_id": "organization"}),
    "services": ("service", "id*:string organization_id*:string program_id:string "
                 "name*:string alternate_name:string description:string url:string/uri "
                 "email:string/email status*:string interpretation_services:string "
                 "application_process:string wait_time:string fees:string "
                 "accreditations:string licenses:string taxonomy_ids:string",
                 {"organization_id": "organization", "program_id": "program"}),
    "services_taxonomy": ("service_taxonomy", "id*:string service_id*:string "
                          "taxonomy_id*:string taxonomy_detail:string",
                          {"service_id": "service", "taxonomy_id": "taxonomy"}),
    "services_at_location": ("service_at_location", "id*:string service_id*:string "
                             "location_id*:string description:string",
                             {"service_id": "service", "location_id": "location"}),
    "locations": ("location", "id*:string organization_id:string name:string "
                  "alternate_name:string description:string transportation:string "
                  "latitude:number longitude:number", {"organization_id": "organization"}),
    "phones": ("phone", "id*:string location_id:string service_id:string "
               "organization_id:string contact_id:string service_at_location_id:string "
               "number*:string extension:number type:string language:string "
               "description:string department:string",
               {"organization_id": "organization", "location_id": "location",
                "service_id": "service", "contact_id": "contact",
                "service_at_location_id": "service_at_location"}),
    "contacts": ("contact", "id*:string organization_id:string service_id:string "
                 "service_at_location_id:string name:string title:string department:string "
                 "email:string/email", {"organization_id": "organization",
                                        "service_id": "service",
                                        "service_at_location_id": "service_at_location"}),
    "physical_addresses": ("physical_address", "id*:string location_id:string "
                           "attention:string address_1*:string address_2:string "
                           "address_3:string address_4:string city*:string region:string "
                           "state_province*:string postal_code*:string country*:string",
                           {"location_id": "location"}),
    "postal_addresses": ("postal_address", "id*:string location_id:string attention:string "
                         "address_1*:string address_2:string address_3:string "
                         "address_4:string city*:string region:string "
                         "state_province*:string postal_code*:string country*:string",
                         {"location_id": "location"}),
    "regular_schedules": ("regular_schedule", "id*:string service_id:string "
                          "location_id:string service_at_location_id:string "
                          "weekday*:integer opens_at:time closes_at:time",
                          {"location_id": "location", "service_id": "service",
                           "service_at_location_id": "service_at_location"}),
    "holiday_schedules": ("holiday_schedule", "id*:string service_id:string "
                          "location_id:string service_at_location_id:string "
                          "closed*:boolean opens_at:time closes_at:time start_date*:date "
                          "end_date*:date", {"location_id": "location",
                                             "service_id": "service",
                                             "service_at_location_id": "service_at_location"}),
    "funding": ("funding", "id*:string organization_id:string service_id:string "
                "source:string", {"service_id": "service", "organization_id": "organization"}),
    "eligibility": ("eligibility", "id*:string service_id:string eligibility:string",
                    {"service_id": "service"}),
    "service_areas": ("service_area", "id*:string service_id:string service_area:string "
                      "description:string", {"service_id": "service"}),
    "required_documents": ("required_document", "id*:string service_id:string "
                           "document:string", {"service_id": "service"}),
    "payments_accepted": ("payment_accepted", "id*:string service_id:string payment:string",
                          {"service_id": "service"}),
    "languages": ("language", "id*:string service_id:string location_id:string "
                  "language:string", {"service_id": "service", "location_id": "location"}),
    "accessibility_for_disabilities": ("accessibility_for_disabilities", "id*:string "
                                       "location_id:string accessibility:string "
                                       "details:string", {"location_id": "location"}),
    "taxonomy": ("taxonomy", "id*:string name*:string parent_id:string parent_name:string "
                 "vocabulary:string", {}),
    "metadata": ("metadata", "id*:string resource_id*:string last_action_date*:datetime "
                 "last_action_type*:string field_name*:string previous_value*:string "
                 "replacement_value*:string updated_by*:string", {}),
    "meta_table_descriptions": ("meta_table_description", "id*:string name:string "
                                "language:string character_set:string", {}),
}


def _fields(tables: Mapping[str, tuple[str, str, dict[str, str]]], table: str
            ) -> list[tuple[str, str, str, bool]]:
    out = []
    for spec in tables[table][1].split():
        name, kind = spec.split(":")
        typ, _, fmt = kind.partition("/")
        out.append((name.rstrip("*"), typ, fmt, name.endswith("*")))
    return out


def _descriptor(tables: Mapping[str, tuple[str, str, dict[str, str]]], *, version: str
                ) -> dict[str, Any]:
    """A tabular data package descriptor for these tables (every resource tabular)."""
    resources = []
    for stem, (name, _spec, keys) in tables.items():
        fields = []
        for fname, typ, fmt, required in _fields(tables, stem):
            field: dict[str, Any] = {"name": fname, "type": typ}
            if fmt:
                field["format"] = fmt
            if required:
                field["constraints"] = {"required": True}
            fields.append(field)
        schema: dict[str, Any] = {"fields": fields, "primaryKey": "id"}
        if keys:
            schema["foreignKeys"] = [{"fields": f, "reference": {"resource": r, "fields": "id"}}
                                     for f, r in keys.items()]
        resources.append({"name": name, "path": f"{stem}.csv", "profile":
                          "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
                          "encoding": "utf-8", "schema": schema})
    return {"name": "community-assets", "profile": "tabular-data-package",
            "title": f"Community assets (Open Referral HSDS {version})",
            "version": f"{version}.0", "resources": resources}


def _zip_tables(tables: Mapping[str, tuple[str, str, dict[str, str]]],
                rows: Mapping[str, list[dict[str, Any]]], *, version: str) -> bytes:
    """A zip of every table (a header-only file for a table without rows) and its
    ``datapackage.json``. No cell starts a spreadsheet formula."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for stem in tables:
            columns = [f[0] for f in _fields(tables, stem)]
            frame = pd.DataFrame([{c: _cell3(r.get(c)) for c in columns}
                                  for r in rows.get(stem, [])], columns=columns)
            zf.writestr(f"{stem}.csv", frame.to_csv(index=False))
        zf.writestr("datapackage.json", json.dumps(_descriptor(tables, version=version),
                                                   indent=1))
    return buffer.getvalue()


def write_hsds(export: pd.DataFrame, *, state: str = "") -> bytes:
    """Return an HSDS 1.1 tabular data package (zip) of exported assets, valid against the
    specification's 1.1 datapackage.json: the same UUIDs as the 3.0 export, structured
    physical addresses where the address has a street, city, state and ZIP code, languages
    on services and locations, weekly hours as regular schedules, categories as a
    taxonomy of this app's terms.

    ``export`` is :func:`mapping.interchange.exports.export_frame` output (already safe to hand out).
    HSDS 1.1 has no place for communities served, branch or visibility: use 3.0 to keep
    every field.
    """
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES11}
    rows["taxonomy"] = [{"id": f"nam:{c.key}", "name": c.label,
                         "vocabulary": TAXONOMY_VOCABULARY} for c in CATEGORIES]
    seen: set[str] = set()
    weekday = {code: i for i, code in enumerate(_DAY_CODES, start=1)}
    for service in hsds3_services(export, state=state):
        org = service["organization"]
        if org["id"] not in seen:
            seen.add(org["id"])
            rows["organizations"].append(org)
        sal = service["service_at_locations"][0]
        cat = next(a["taxonomy_term"]["code"] for a in service["attributes"]
                   if a["taxonomy_term"]["taxonomy_id"] == _CATEGORIES.id)
        rows["services"].append({**service, "taxonomy_ids": f"nam:{cat}"})
        rows["services_taxonomy"].append({"id": stable_uuid("service_taxonomy", service["id"]),
                                          "service_id": service["id"],
                                          "taxonomy_id": f"nam:{cat}"})
        rows["services_at_location"].append(sal)
        rows["languages"] += [{"id": lang["id"], "service_id": service["id"],
                               "language": lang["name"]} for lang in service["languages"]]
        location = sal.get("location")
        if location is None or location["id"] in seen:
            continue
        seen.add(location["id"])
        rows["locations"].append(location)
        rows["languages"] += [{"id": lang["id"], "location_id": location["id"],
                               "language": lang["name"]} for lang in location["languages"]]
        rows["phones"] += location.get("phones", [])
        rows["physical_addresses"] += location.get("addresses", [])
        for sched in location.get("schedules", []):
            for day in filter(None, str(sched.get("byday", "")).split(",")):
                rows["regular_schedules"].append({
                    "id": stable_uuid("regular_schedule", f"{sched['id']}:{day}"),
                    "location_id": location["id"], "weekday": weekday[day],
                    "opens_at": sched["opens_at"], "closes_at": sched["closes_at"]})
    return _zip_tables(TABLES11, rows, version="1.1")


#: The source every Open Referral import belongs to: a location keeps its HSDS id (or
#: this project's own asset id) as its source id, so importing the same package again,
#: under any file name, updates the same records.
HSDS_SOURCE = "import:Open Referral (HSDS)"


def already_here(records: pd.DataFrame, stored: pd.DataFrame) -> pd.Series:
    """Return which read records are this database's own assets coming back from one of
    its exports (their id is the id of a record that did not come from an HSDS import).

    They are left as they are: an export moves sensitive sites and withholds their
    address, so taking such a record back would overwrite the exact place.
    """
    if records.empty or stored.empty:
        return pd.Series(False, index=records.index)
    own = set(stored.loc[stored["source_key"].fillna("") != HSDS_SOURCE, "asset_id"])
    return records["asset_id"].astype(str).isin(own)


def place_by_address(records: pd.DataFrame, *, geocoder: Any, cache: Any,
                     progress: Any = None) -> tuple[pd.DataFrame, list[int]]:
    """Fill the coordinates of read records that have none, or none on the globe (the
    official HSDS 3.0 example's latitude 100), from their address (with the project's
    geocoder and its cache, see :func:`mapping.records.geocode.add_coordinates`).

    Returns the records and the rows (counted from 1) that have an address the geocoder
    did not find; records with neither coordinates nor an address are left as they are
    (the import refuses them with that reason).
    """
    if records.empty or "street" not in records.columns:
        return records, []
    lat = pd.to_numeric(records["latitude"], errors="coerce")
    lon = pd.to_numeric(records["longitude"], errors="coerce")
    off_globe = ~(lat.between(-90, 90) & lon.between(-180, 180))  # also true when missing
    need = records.index[off_globe.to_numpy()
                         & (records["street"].astype(str).str.strip() != "").to_numpy()]
    if not len(need):
        return records, []
    placed, unmatched = add_coordinates(records.loc[need], street="street", city="city",
                                        state="state", zip_column="postal_code",
                                        geocoder=geocoder, cache=cache, progress=progress)
    out = records.assign(latitude=lat.astype(float), longitude=lon.astype(float))  # a file may
    # hold whole numbers
    for axis in ("latitude", "longitude"):  # where not found, the row keeps what it had
        found = pd.to_numeric(placed[axis], errors="coerce").set_axis(need)
        out.loc[need, axis] = found.fillna(out.loc[need, axis]).to_numpy()
    return out, [int(records.index.get_loc(need[i - 1])) + 1 for i in unmatched]


# --- HSDS 3.0 -------------------------------------------------------------------------
#
# One asset is one HSDS *location* with one *service* per service tag (or its category's
# label), all of one *organization*. Ids are UUIDs derived from the project's ids, so the
# same asset always gets the same UUID. The fields HSDS has no column for (the asset's
# own id, communities served, branch, how it was found, source, visibility, the one-line
# address and hours as typed) travel as HSDS *attributes* of the location under this
# project's taxonomy, so a package read back gives every field of the asset model.

HSDS3_VERSION = "3.0"
#: uuid5(NAMESPACE_URL, "https://openreferral.org/newcomer-asset-map"): never change it.
_NAMESPACE = uuid.UUID("ab3451de-46d4-558b-8b22-90e8aead0822")
ID_TYPE = "newcomer-asset-map asset id"
#: Asset fields carried as attributes of the location (``communities``: one per tag).
CARRIED_FIELDS = ("asset_id", "organization", "address", "phone", "website", "hours",
                  "communities", "found_by", "branch", "source", "visibility", "category")
#: Open Eligibility terms (the taxonomy of Ohana and many 211 directories) for categories
#: that have one.
OPEN_ELIGIBILITY = {
    "settlement": ("111-01-02", "Citizenship & Immigration"),
    "esl": ("109-03-03", "English as a Second Language (ESL)"),
    "legal": ("111-01", "Advocacy & Legal Aid"),
    "health": ("106", "Health"),
    "employment": ("110", "Work"),
    "housing": ("103", "Housing"),
    "food": ("102", "Food"),
    "family": ("108", "Care"),
    "school": ("109", "Education"),
    "faith": ("108-07-08", "Spiritual Support"),
}


def stable_uuid(kind: str, key: str) -> str:
    """Return the UUID of one record of this project: the same ``kind`` and ``key`` always
    give the same UUID.

    Examples
    --------
    >>> stable_uuid("location", "demo-1") == stable_uuid("location", "demo-1")
    True
    >>> stable_uuid("location", "demo-1") == stable_uuid("service", "demo-1")
    False
    """
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


@dataclass(frozen=True)
class _Taxonomy:
    key: str
    name: str
    description: str
    uri: str = ""

    @property
    def id(self) -> str:
        return stable_uuid("taxonomy", self.key)

    def as_dict(self) -> dict[str, str]:
        out = {"id": self.id, "name": self.name, "description": self.description}
        return {**out, "uri": self.uri} if self.uri else out

    def term(self, code: str, name: str, description: str) -> dict[str, Any]:
        return {"id": stable_uuid("term", f"{self.key}:{code}"), "code": code, "name": name,
                "description": description, "taxonomy": self.name, "taxonomy_id": self.id,
                "language": "en"}


_FIELDS = _Taxonomy("fields", "Newcomer Asset Map record fields",
                    "Fields of a community asset record that HSDS has no column for.")
_CATEGORIES = _Taxonomy("categories", "Newcomer Asset Map categories",
                        "The asset categories of the Newcomer Asset Map.")
_OE = _Taxonomy("open-eligibility", "Open Eligibility",
                "The Open Eligibility taxonomy of human services.",
                "https://openeligibility.org")
_FIELD_DESCRIPTIONS = {
    "asset_id": "The asset's id in the library's asset database.",
    "organization": "The organization as the library recorded it (empty: none given).",
    "address": "The address as it was typed, on one line.",
    "phone": "The public phone number as it was typed.",
    "website": "The website as it was typed.",
    "hours": "Opening hours as they were typed.",
    "communities": "A community (country or world region of origin) the place serves.",
    "found_by": "How the library learned of the place (walkabout, event, provider...).",
    "branch": "The library branch that keeps the record.",
    "source": "Where the record came from (a file, an import, a person).",
    "visibility": "public or sensitive. A sensitive site is shown only at the centre of "
                  "its area, without its address, and must stay so.",
    "category": "The asset's category in the Newcomer Asset Map.",
}

# --- opening hours -> HSDS schedules

_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
_DAYS = rf"{_DAY}(?:\s*(?:-|–|to|&|and|,)\s*{_DAY})*"
_TIME = r"(?:noon|midnight|\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?)"
_SEGMENT = re.compile(rf"({_DAYS})\s*[,:]?\s*({_TIME}\s*(?:-|–|to)\s*{_TIME}|closed)", re.I)


@dataclass(frozen=True)
class Opening:
    """Weekly opening hours: on ``days`` (``MO``..``SU``) from ``opens`` to ``closes``."""

    days: tuple[str, ...]
    opens: str  # HH:MM:SS
    closes: str


def _days(text: str) -> tuple[str, ...]:
    names = re.findall(r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?|(-|–|to)", text.lower())
    out: list[int] = []
    span = False
    for day, dash in names:
        if dash:
            span = True
            continue
        i = ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(day)
        if span and out:
            out += list(range(out[-1] + 1, i + 1))
        else:
            out.append(i)
        span = False
    return tuple(_DAY_CODES[i] for i in dict.fromkeys(out))


def _hour(text: str) -> tuple[int, int, bool]:
    t = text.strip().lower().replace(".", "")
    if t == "noon":
        return 12, 0, True
    if t == "midnight":
        return 24, 0, True
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*([ap]m)?", t)
    if not m:
        raise ValueError(text)
    h, mins = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3) == "pm" and h < 12:
        h += 12
    if m.group(3) == "am" and h == 12:
        h = 0
    return h, mins, bool(m.group(3))


def parse_hours(text: str) -> tuple[Opening, ...] | None:
    """Return the weekly openings a line of opening hours states, or ``None`` if the line
    is not a list of days and hours (a closure notice, say).

    Hours without am/pm read as a library's day: an opening before 7 is in the afternoon
    and a closing at or before the opening is after noon (``9-5`` is 09:00-17:00).
    Days marked closed are simply not open.

    Examples
    --------
    >>> parse_hours("Tue & Thu 4-8, Sat 10-2")
    (Opening(days=('TU', 'TH'), opens='16:00:00', closes='20:00:00'), \
Opening(days=('SA',), opens='10:00:00', closes='14:00:00'))
    >>> parse_hours("Mon. - Thurs., 9-8; Sun., Closed")[0].days
    ('MO', 'TU', 'WE', 'TH')
    >>> parse_hours("M-F 9am-5pm")
    (Opening(days=('MO', 'TU', 'WE', 'TH', 'FR'), opens='09:00:00', closes='17:00:00'),)
    >>> parse_hours("Closed for building improvements") is None
    True
    """
    text = re.sub(r"\bM\s*-\s*F\b", "Mon-Fri", text, flags=re.I)
    text = re.sub(r"\bM\s*-\s*Th\b", "Mon-Thu", text, flags=re.I)
    matches = list(_SEGMENT.finditer(text))
    rest = _SEGMENT.sub("", text)
    if not matches or not re.fullmatch(r"[\s,;.]*", rest):
        return None
    out = []
    for m in matches:
        if m.group(2).lower() == "closed":
            continue
        first, last = re.split(r"\s*(?:-|–|to)\s*", m.group(2), maxsplit=1)
        try:
            (h1, m1, exact1), (h2, m2, exact2) = _hour(first), _hour(last)
        except ValueError:
            return None
        if not exact1 and h1 < 7:
            h1 += 12
        if not exact2 and (h2, m2) <= (h1, m1):
            h2 += 12
        if h2 > 24 or (h2, m2) <= (h1, m1):
            return None
        closes = "23:59:00" if h2 == 24 else f"{h2:02d}:{m2:02d}:00"
        out.append(Opening(_days(m.group(1)), f"{h1:02d}:{m1:02d}:00", closes))
    return tuple(out)


def _clock(value: Any) -> str:
    """``HH:MM`` of a ``HH:MM[:SS]`` time; any other text as it is (``9am``)."""
    text = _text(value).strip()
    return text[:5] if re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", text) else text


def hours_text(openings: Iterable[tuple[str, str, str]]) -> str:
    """Return one line of hours for (byday, opens_at, closes_at) rows of a schedule.

    Examples
    --------
    >>> hours_text([("MO,TU", "09:00:00", "17:00"), ("SA", "10:00", "14:00")])
    'Mon, Tue 09:00-17:00; Sat 10:00-14:00'
    """
    names = dict(zip(_DAY_CODES, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
                     strict=True))
    parts = []
    for byday, opens, closes in openings:
        days = ", ".join(names.get(d.strip().upper(), d.strip())
                         for d in str(byday).split(",") if d.strip())
        span = f"{_clock(opens)}-{_clock(closes)}" if opens and closes else ""
        parts.append(" ".join(p for p in (days, span) if p))
    return "; ".join(p for p in parts if p)


# --- addresses and phones


def _checked(value: Any) -> date | None:
    """A partner's ``assured_date``, or ``None`` when it is not a date (the place is kept)."""
    try:
        return verified_date(value)
    except DataError:
        return None


def split_address(text: str, *, state: str = "") -> dict[str, str] | None:
    """Return an HSDS address (``address_1``, ``city``, ``state_province``, ``postal_code``,
    ``country``) parsed from a one-line US address, or ``None`` when the line lacks a
    street, city, US state or ZIP code (HSDS requires them all). ``state`` fills a missing
    state (the dataset's own). Parsed by :func:`mapping.records.addresses.address_parts`.

    Examples
    --------
    >>> split_address("2600 Middlefield Road, Redwood City, CA 94063")["city"]
    'Redwood City'
    >>> split_address("1633 W CONGRESS PWY, 60612") is None
    True
    """
    return _hsds_address(address_parts(text, state=state))


def _hsds_address(parts: Mapping[str, Any]) -> dict[str, str] | None:
    """An HSDS address from the asset model's parts, or ``None`` if one HSDS needs is empty."""
    out = {"address_1": _text(parts.get("street")), "city": _text(parts.get("city")),
           "state_province": _text(parts.get("state")),
           "postal_code": _text(parts.get("postal_code")),
           "country": _text(parts.get("country"))}
    return out if all(out.values()) else None


def tidy_phone(text: str, *, region: str = "US") -> str:
    """Return a phone number written the national way (``(312) 555-0100``), or the text as
    it was when it is not a whole number of that region. Parsed by ``phonenumbers``.

    Examples
    --------
    >>> tidy_phone("3129427219"), tidy_phone("555-0143")
    ('(312) 942-7219', '555-0143')
    """
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# --- writing HSDS 3.0


def _attribute(link_id: str, entity: str, term: dict[str, Any], value: str, key: str
               ) -> dict[str, Any]:
    # The link is the record the attribute is nested in (the tabular form adds it back).
    return {"id": stable_uuid("attribute", key), "taxonomy_term_id": term["id"],
            "value": value, "taxonomy_term": term}


@functools.cache
def _field_term(name: str) -> dict[str, Any]:
    """The term of one carried field (made once: every location names it; never mutated)."""
    return _FIELDS.term(name, name, _FIELD_DESCRIPTIONS[name])


#: This project's own terms by id: a reader knows them even where a package leaves the
#: term out of an attribute (the JSON form does, to stay small).
_OWN_TERMS = {t["id"]: t for t in (
    [_field_term(n) for n in CARRIED_FIELDS]
    + [_CATEGORIES.term(c.key, c.label, f"Category: {c.label}") for c in CATEGORIES])}


def _tags(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v).strip()]
    return [p.strip() for p in str(value or "").split(";") if p.strip()]


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value)


def hsds3_services(export: pd.DataFrame, *, state: str = "") -> list[dict[str, Any]]:
    """Return the exported assets as HSDS 3.0 services, each as ``GET /services/{id}``
    returns it (organization, service at locations with their location, languages,
    phones, schedules, addresses and attributes nested).

    ``export`` is :func:`mapping.interchange.exports.export_frame` output (already safe to hand out:
    no staff-only site, sensitive sites at their area's centre without address).
    ``state`` is the dataset's state (two letters) for addresses that do not name one.
    """
    orgs: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    rows = export.to_dict("records")
    for a in rows:
        org = _text(a["organization"]) or _text(a["name"])
        counts[org] = counts.get(org, 0) + 1
    services: list[dict[str, Any]] = []
    for a in rows:
        aid = _text(a["asset_id"])
        org_name = _text(a["organization"]) or _text(a["name"])
        org = orgs.setdefault(org_name, {
            "id": stable_uuid("organization", org_name), "name": org_name,
            "description": f"{org_name}: offers services at {counts[org_name]} place(s) "
                           "listed in a library's community asset map.",
        })
        location = _location3(a, org["id"], state=state)
        names = _tags(a["services"]) or [category(a["category"]).label]
        for i, name in enumerate(names):
            sid = stable_uuid("service", f"{aid}:{i}")
            website = safe_url(a["website"])
            checked = verified_date(a.get("last_verified"))  # HSDS: "last checked"
            cat = category(a["category"])
            attrs = [_attribute(sid, "service", _CATEGORIES.term(cat.key, cat.label,
                                                                 f"Category: {cat.label}"),
                                cat.key, f"{aid}:{i}:category")]
            if cat.key in OPEN_ELIGIBILITY:
                code, label = OPEN_ELIGIBILITY[cat.key]
                attrs.append(_attribute(sid, "service", _OE.term(code, label, label), code,
                                        f"{aid}:{i}:oe"))
            service = {
                "id": sid, "organization_id": org["id"], "name": name,
                "description": _text(a["description"]), "status": a["status"],
                **({"url": website} if website else {}),
                **({"assured_date": checked.isoformat()} if checked else {}),
                "languages": [_language3(code, f"{aid}:{i}", service_id=sid)
                              for code in _tags(a["languages"])],
                "attributes": attrs,
                # The location is written whole at the asset's first service; the others
                # name it by id (an asset with three services is one place, not three).
                "service_at_locations": [{
                    "id": stable_uuid("service_at_location", f"{aid}:{i}"),
                    "service_id": sid, "location_id": location["id"],
                    **({"location": location} if i == 0 else {})}],
                "organization": org,
            }
            services.append(service)
    return services


def _language3(code: str, key: str, **link: str) -> dict[str, str]:
    return {"id": stable_uuid("language", f"{key}:{code}"), **link,
            "name": language_name(code), "code": code}


def _location3(a: Mapping[str, Any], org_id: str, *, state: str) -> dict[str, Any]:
    aid = _text(a["asset_id"])
    lid = stable_uuid("location", aid)
    location: dict[str, Any] = {
        "id": lid, "location_type": "physical", "organization_id": org_id,
        "name": _text(a["name"]), "description": _text(a["description"]),
        "latitude": float(a["latitude"]), "longitude": float(a["longitude"]),
        "external_identifier": aid, "external_identifier_type": ID_TYPE,
        "languages": [_language3(code, aid, location_id=lid) for code in _tags(a["languages"])],
    }
    parts = _hsds_address(a) or (split_address(_text(a["address"]), state=state)
                                 if _text(a["address"]) else None)
    if parts:
        location["addresses"] = [{"id": stable_uuid("address", aid), "location_id": lid,
                                  **parts, "address_type": "physical"}]
    if _text(a["phone"]):
        location["phones"] = [{"id": stable_uuid("phone", aid), "location_id": lid,
                               "number": tidy_phone(_text(a["phone"])), "type": "voice"}]
    hours = _text(a["hours"])
    if hours:
        openings = parse_hours(hours) or ()
        location["schedules"] = [
            {"id": stable_uuid("schedule", f"{aid}:{k}"), "location_id": lid,
             "freq": "WEEKLY", "wkst": "MO", "byday": ",".join(o.days), "opens_at": o.opens,
             "closes_at": o.closes, "description": hours}
            for k, o in enumerate(openings)] or [
            {"id": stable_uuid("schedule", f"{aid}:0"), "location_id": lid,
             "description": hours}]
    attrs = []
    for name in CARRIED_FIELDS:
        values = _tags(a[name]) if name == "communities" else [_text(a.get(name))]
        if name != "organization":  # an empty one says "none given"; others read as empty
            values = [v for v in values if v]
        term = _field_term(name)
        for k, value in enumerate(values):
            attr = _attribute(lid, "location", term, value, f"{aid}:{name}:{k}")
            attr.pop("taxonomy_term")  # the tabular form's term table has it, once
            attrs.append(attr)
    location["attributes"] = attrs
    return location


def hsds3_page(services: list[dict[str, Any]]) -> dict[str, Any]:
    """Return services as one page of the HSDS 3.0 API's ``GET /services`` answer."""
    return {"total_items": len(services), "total_pages": 1, "page_number": 1,
            "size": len(services), "first_page": True, "last_page": True,
            "empty": not services, "contents": services}


def write_hsds3_json(export: pd.DataFrame, *, state: str = "") -> bytes:
    """Return the exported assets as HSDS 3.0 JSON (the API's ``/services`` page)."""
    return json.dumps(hsds3_page(hsds3_services(export, state=state)), ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


# --- the HSDS 3.0 tabular package

#: The tables of the HSDS 3.0 tabular package (file stem -> resource name, fields as
#: ``name[*]:type[/format]`` with ``*`` for required, foreign keys as field -> resource),
#: in the order and with the types of the specification's own datapackage.json.
TABLES3: dict[str, tuple[str, str, dict[str, str]]] = {
    "organizations": ("organization", "id*:string/uuid name*:string alternate_name:string "
                      "description*:string email:string/email website:string/uri "
                      "tax_status:string tax_id:string year_incorporated:number "
                      "legal_status:string logo:string uri:string/uri "
                      "parent_organization_id:string/uuid", {}),
    "programs": ("program", "id*:string/uuid organization_id*:string/uuid name*:string "
                 "alternate_name:string description*:string",
                 {"organization_id": "organization"}),
    "services": ("service", "id*:string/uuid organization_id*:string/uuid "
                 "program_id:string/uuid name*:string alternate_name:string "
                 "description:string url:string/uri email:string/email status*:string "
                 "interpretation_services:string application_process:string "
                 "fees_description:string wait_time:string fees:string accreditations:string "
                 "eligibility_description:string minimum_age:number maximum_age:number "
                 "assured_date:date assurer_email:string/email licenses:string alert:string "
                 "last_modified:datetime",
                 {"organization_id": "organization", "program_id": "program"}),
    "attributes": ("attribute", "id*:string/uuid link_id*:string/uuid "
                   "taxonomy_term_id*:string/uuid link_type:string link_entity*:string "
                   "value:string", {"taxonomy_term_id": "taxonomy_term"}),
    "service_at_location": ("service_at_location", "id*:string/uuid service_id*:string/uuid "
                            "location_id*:string/uuid description:string",
                            {"service_id": "service", "location_id": "location"}),
    "locations": ("location", "id*:string/uuid location_type*:string url:string/uri "
                  "organization_id:string/uuid name:string alternate_name:string "
                  "description:string transportation:string latitude:number "
                  "longitude:number external_identifier:string "
                  "external_identifier_type:string", {"organization_id": "organization"}),
    "phones": ("phone", "id*:string/uuid location_id:string/uuid service_id:string/uuid "
               "organization_id:string/uuid contact_id:string/uuid "
               "service_at_location_id:string/uuid number*:string extension:number "
               "type:string description:string",
               {"contact_id": "contact", "location_id": "location",
                "organization_id": "organization", "service_id": "service",
                "service_at_location_id": "service_at_location"}),
    "contacts": ("contact", "id*:string/uuid organization_id:string/uuid "
                 "service_id:string/uuid service_at_location_id:string/uuid "
                 "location_id:string/uuid name:string title:string department:string "
                 "email:string/email",
                 {"location_id": "location", "organization_id": "organization",
                  "service_id": "service", "service_at_location_id": "service_at_location"}),
    "addresses": ("address", "id*:string/uuid location_id:string/uuid attention:string "
                  "address_1*:string address_2:string city*:string region:string "
                  "state_province*:string postal_code*:string country*:string "
                  "address_type*:string", {"location_id": "location"}),
    "schedules": ("schedule", "id*:string/uuid service_id:string/uuid location_id:string/uuid "
                  "service_at_location_id:string/uuid valid_from:date valid_to:date "
                  "dtstart:date timezone:number until:date count:number wkst:string "
                  "freq:string interval:number byday:string byweekno:string "
                  "bymonthday:string byyearday:string description:string opens_at:time "
                  "closes_at:time schedule_link:string/uri attending_type:string notes:string",
                  {"location_id": "location", "service_id": "service",
                   "service_at_location_id": "service_at_location"}),
    "funding": ("funding", "id*:string/uuid organization_id:string/uuid "
                "service_id:string/uuid source:string",
                {"organization_id": "organization", "service_id": "service"}),
    "service_areas": ("service_area", "id*:string/uuid service_id:string/uuid name:string "
                      "description:string extent:string extent_type:string uri:string",
                      {"service_id": "service"}),
    "required_documents": ("required_document", "id*:string/uuid service_id:string/uuid "
                           "document:string uri:string/uri", {"service_id": "service"}),
    "languages": ("language", "id*:string/uuid service_id:string/uuid "
                  "location_id:string/uuid phone_id:string/uuid name:string code:string "
                  "note:string", {"location_id": "location", "phone_id": "phone",
                                  "service_id": "service"}),
    "accessibility": ("accessibility", "id*:string/uuid location_id:string/uuid "
                      "description:string details:string url:string/uri",
                      {"location_id": "location"}),
    "taxonomy_terms": ("taxonomy_term", "id*:string/uuid code:string name*:string "
                       "description*:string parent_id:string/uuid taxonomy:string "
                       "language:string taxonomy_id:string/uuid term_uri:string/uri",
                       {"taxonomy_id": "taxonomy"}),
    "metadata": ("metadata", "id*:string/uuid resource_id*:string/uuid "
                 "resource_type*:string last_action_date*:date last_action_type*:string "
                 "field_name*:string previous_value*:string replacement_value*:string "
                 "updated_by*:string", {}),
    "meta_table_descriptions": ("meta_table_description", "id*:string/uuid name:string "
                                "language:string character_set:string", {}),
    "cost_options": ("cost_option", "id*:string/uuid service_id*:string/uuid "
                     "valid_from:date valid_to:date option:string currency:string "
                     "amount:number amount_description:string", {"service_id": "service"}),
    "organization_identifiers": ("organization_identifier", "id*:string/uuid "
                                 "organization_id*:string/uuid identifier_scheme:string "
                                 "identifier_type*:string identifier*:string",
                                 {"organization_id": "organization"}),
    "taxonomies": ("taxonomy", "id*:string/uuid name*:string description*:string "
                   "uri:string/uri version:string", {}),
}
#: Nested keys of HSDS 3.0 JSON objects -> the table their records go to.
_NESTED = {
    "organization": "organizations", "organizations": "organizations",
    "program": "programs", "programs": "programs", "service": "services",
    "services": "services",
    "service_at_locations": "service_at_location", "location": "locations",
    "locations": "locations", "addresses": "addresses", "phones": "phones",
    "contacts": "contacts", "schedules": "schedules", "languages": "languages",
    "attributes": "attributes", "taxonomy_term": "taxonomy_terms",
    "taxonomy_detail": "taxonomies", "funding": "funding", "service_areas": "service_areas",
    "required_documents": "required_documents", "accessibility": "accessibility",
    "cost_options": "cost_options", "organization_identifiers": "organization_identifiers",
    "metadata": "metadata",
}
#: The link column a nested record of a table takes from its parent, by parent table.
_PARENT_LINK = {"organizations": "organization_id", "services": "service_id",
                "locations": "location_id", "service_at_location": "service_at_location_id",
                "phones": "phone_id", "contacts": "contact_id"}
_ENTITY = {"organizations": "organization", "services": "service", "locations": "location",
           "service_at_location": "service_at_location", "phones": "phone",
           "contacts": "contact"}


def _fields3(table: str) -> list[tuple[str, str, str, bool]]:
    return _fields(TABLES3, table)


#: The column names of each HSDS 3.0 table, parsed once (the flattener asks per record).
_COLUMNS3 = {stem: tuple(f[0] for f in _fields3(stem)) for stem in TABLES3}


def hsds3_tables(records: Iterable[Mapping[str, Any]], table: str = "services"
                 ) -> dict[str, list[dict[str, Any]]]:
    """Return HSDS 3.0 JSON objects (services, organizations...) as the rows of the tabular
    form, one list per table, each record once. A nested record without the link to its
    parent (a language inside a location, say) gets it, as the tabular form needs."""
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES3}
    seen: dict[tuple[str, str], dict[str, Any]] = {}

    def walk(obj: Mapping[str, Any], name: str, parent: tuple[str, str] | None) -> None:
        row = {k: v for k, v in obj.items() if not isinstance(v, dict | list)}
        if parent is not None:
            ptable, pid = parent
            link = _PARENT_LINK.get(ptable)
            if name == "attributes":
                row.setdefault("link_id", pid)
                row.setdefault("link_entity", _ENTITY.get(ptable, ptable))
            elif link and link in _COLUMNS3[name] and not row.get(link):
                row[link] = pid
        for single in ("organization", "program", "service", "location"):
            child = obj.get(single)
            link = f"{single}_id"
            if isinstance(child, dict) and link in _COLUMNS3[name] and not row.get(link):
                row[link] = child.get("id", "")
        key = (name, str(row.get("id", "")))
        if key not in seen:
            seen[key] = row
            tables[name].append(row)
        else:  # met again elsewhere (a language under a phone and a service): add links
            for k, v in row.items():
                if v not in (None, "") and seen[key].get(k) in (None, ""):
                    seen[key][k] = v
        for k, v in obj.items():
            child = _NESTED.get(k)
            if child is None or child not in tables:
                continue
            for item in (v if isinstance(v, list) else [v]):
                if isinstance(item, dict):
                    walk(item, child, (name, str(row.get("id", ""))))

    for record in records:
        walk(record, table, None)
    return tables


def _cell3(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return spreadsheet_cell(str(value))


def datapackage3() -> dict[str, Any]:
    """Return the descriptor of this project's HSDS 3.0 tabular package (every table)."""
    return _descriptor(TABLES3, version="3.0")


def write_hsds3_tabular(export: pd.DataFrame, *, state: str = "") -> bytes:
    """Return the exported assets as an HSDS 3.0 tabular data package (zip of CSV files
    and ``datapackage.json``), every table of the specification present."""
    tables = hsds3_tables(hsds3_services(export, state=state))
    tables["taxonomy_terms"] += [_field_term(n) for n in CARRIED_FIELDS]
    used = {r["taxonomy_id"] for r in tables["taxonomy_terms"]}
    tables["taxonomies"] = [t.as_dict() for t in (_FIELDS, _CATEGORIES, _OE) if t.id in used]
    return _zip_tables(TABLES3, tables, version="3.0")


# --- reading HSDS 3.0


def _top_table(item: Mapping[str, Any]) -> str:
    if "service_at_locations" in item or "status" in item:
        return "services"
    if "location" in item or "service" in item:
        return "service_at_location"
    if "location_type" in item:
        return "locations"
    return "organizations"


def hsds3_json_tables(data: Any) -> dict[str, pd.DataFrame]:
    """Return the tables of HSDS 3.0 JSON: an API page (``contents``), a list, or one
    service, organization, service at location or location."""
    items = data.get("contents", [data]) if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DataError("this JSON is not Open Referral HSDS 3.0: expected a page with "
                        "'contents', a list of records, or one record")
    tables: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in TABLES3}
    for item in items:
        for name, rows in hsds3_tables([item], _top_table(item)).items():
            for row in rows:  # a location nested in several services is one location
                tables[name].setdefault(str(row.get("id", "")), row)
    return {name: pd.DataFrame(list(rows.values()), columns=list(_COLUMNS3[name]))
            .astype(object).where(lambda f: f.notna(), "")
            for name, rows in tables.items()}


def is_hsds3_json(data: bytes) -> bool:
    """Whether a ``.json`` file is HSDS 3.0 (an API page or records), not GeoJSON.

    Examples
    --------
    >>> is_hsds3_json(b'{"type": "FeatureCollection", "features": []}')
    False
    >>> is_hsds3_json(b'{"total_items": 0, "contents": []}')
    True
    """
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    if isinstance(doc, dict):
        return "contents" in doc or ("id" in doc and "type" not in doc)
    return isinstance(doc, list) and bool(doc) and isinstance(doc[0], dict) and "id" in doc[0]


def _tables3_from_folder(folder: Path) -> dict[str, pd.DataFrame]:
    return {stem: _read(folder, stem) for stem in TABLES3}


def is_hsds3(folder: Path) -> bool:
    """Whether a folder holds an HSDS 3.0 package (tabular, or JSON files)."""
    if (folder / "service_at_location.csv").exists():
        return True
    locations = _read(folder, "locations")
    return "location_type" in locations or any(
        p.suffix == ".json" and p.name != "datapackage.json" for p in folder.iterdir())


def _by(frame: pd.DataFrame, key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    if frame.empty or key not in frame:
        return out
    for row in frame.to_dict("records"):
        if str(row.get(key) or ""):
            out.setdefault(str(row[key]), []).append(row)
    return out


def read_hsds3(tables: Mapping[str, pd.DataFrame], *, source: str) -> pd.DataFrame:
    """Return asset records (with ``latitude``/``longitude``) from HSDS 3.0 tables.

    A location is an asset. Its services give the service tags, status, website and
    category (this project's taxonomy term, else guessed from the names); languages,
    phones, addresses and schedules come from the location and its services. Fields this
    project wrote as attributes (see :data:`CARRIED_FIELDS`) are taken back as written,
    so a package this app exported reads back to the same assets. Contacts are never read.
    """
    empty = pd.DataFrame()
    locations = tables.get("locations", empty)
    if locations.empty or "id" not in locations:
        raise DataError("this Open Referral package has no locations")
    terms = {**_OWN_TERMS, **{str(r["id"]): r for r in
                              tables.get("taxonomy_terms", empty).to_dict("records")}}
    attrs = _by(tables.get("attributes", empty), "link_id")
    sal = _by(tables.get("service_at_location", empty), "location_id")
    services = {str(r["id"]): r for r in tables.get("services", empty).to_dict("records")}
    orgs = {str(r["id"]): r for r in tables.get("organizations", empty).to_dict("records")}
    langs_loc = _by(tables.get("languages", empty), "location_id")
    langs_svc = _by(tables.get("languages", empty), "service_id")
    phones_loc = _by(tables.get("phones", empty), "location_id")
    phones_svc = _by(tables.get("phones", empty), "service_id")
    addresses = _by(tables.get("addresses", empty), "location_id")
    sched_loc = _by(tables.get("schedules", empty), "location_id")
    sched_svc = _by(tables.get("schedules", empty), "service_id")

    def term_of(attr: Mapping[str, Any], taxonomy: _Taxonomy) -> str | None:
        term = terms.get(str(attr.get("taxonomy_term_id")))
        if term is None or str(term.get("taxonomy_id")) != taxonomy.id:
            return None
        return str(term.get("code") or "")

    records = []
    for loc in locations.to_dict("records"):
        lid = str(loc["id"])
        carried: dict[str, list[str]] = {}
        for attr in attrs.get(lid, []):
            code = term_of(attr, _FIELDS)
            if code in CARRIED_FIELDS:
                carried.setdefault(code, []).append(_text(attr.get("value")))
        sids = [str(r["service_id"]) for r in sal.get(lid, [])]
        svcs = [services[s] for s in sids if s in services]
        cat = None
        for sid in sids:
            for attr in attrs.get(sid, []):
                cat = cat or term_of(attr, _CATEGORIES)
        names = [_text(s.get("name")) for s in svcs if _text(s.get("name"))]
        description = _text(loc.get("description")) or " ".join(
            _text(s.get("description")) for s in svcs).strip()
        langs = [_text(r.get("code")) or _text(r.get("name"))
                 for r in langs_loc.get(lid, []) + [x for s in sids for x in langs_svc.get(s, [])]]
        phone = next((_text(r.get("number")) for r in phones_loc.get(lid, [])
                      + [x for s in sids for x in phones_svc.get(s, [])]
                      if _text(r.get("number"))), "")
        places = sorted(addresses.get(lid, []), key=lambda r: r.get("address_type") != "physical")
        schedules = sched_loc.get(lid, []) + [x for s in sids for x in sched_svc.get(s, [])]
        hours = next((_text(r.get("description")) for r in schedules if _text(r.get("description"))),
                     "") or hours_text((r.get("byday", ""), r.get("opens_at", ""),
                                        r.get("closes_at", "")) for r in schedules)
        status = next((_text(s.get("status")) for s in svcs if _text(s.get("status"))), "active")
        checked = [d for d in (_checked(s.get("assured_date")) for s in svcs) if d]
        org = orgs.get(str(loc.get("organization_id") or ""), {}) or next(
            (orgs.get(str(s.get("organization_id")), {}) for s in svcs), {})
        website = _text(loc.get("url")) or next(
            (_text(s.get("url")) for s in svcs if _text(s.get("url"))), "") or _text(
            org.get("website"))
        own = _text(loc.get("external_identifier")) if \
            _text(loc.get("external_identifier_type")) == ID_TYPE else ""
        record = {
            "asset_id": own or f"hsds-{lid}", "name": _text(loc.get("name")),
            "organization": _text(org.get("name")),
            "category": cat or guess_category(" ".join([_text(loc.get("name")), *names,
                                                        description])),
            "services": names, "languages": list(dict.fromkeys(x for x in langs if x)),
            "communities": [], "phone": phone, "website": website, "hours": hours,
            "description": description[:2000],
            "status": "inactive" if status == "defunct" else status,
            "visibility": "public", "found_by": "service provider", "branch": "",
            "source": source, "last_verified": max(checked) if checked else None,
            "latitude": pd.to_numeric(loc.get("latitude", ""), errors="coerce"),
            "longitude": pd.to_numeric(loc.get("longitude", ""), errors="coerce"),
            **_parts(places[0] if places else None),
        }
        for name, values in carried.items():
            if name == "communities":
                record[name] = [v for v in values if v]
            elif name != "visibility" or values[0] in ("public", "sensitive"):
                record[name] = values[0]
        records.append(record)
    return pd.DataFrame(records)
