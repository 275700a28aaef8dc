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

import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd

from mapping.assets import CATEGORIES, RowProblem, category
from mapping.catalog import language_name
from mapping.errors import DataError
from mapping.escape import spreadsheet_cell

TAXONOMY_VOCABULARY = "newcomer-asset-map"
_KEYWORDS = (
    ("legal", ("legal", "immigration law", "attorney", "daca")),
    ("esl", ("esl", "english", "literacy", "ged", "adult education", "tutoring")),
    ("health", ("health", "clinic", "medical", "dental", "wic", "mental", "counseling")),
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


def _address(frame: pd.DataFrame) -> dict[str, str]:
    if frame.empty:
        return {}
    parts = [c for c in ("address_1", "address_2", "city", "state_province", "postal_code")
             if c in frame]
    text = frame[parts].apply(lambda r: ", ".join(v for v in r if v.strip()), axis=1)
    return dict(zip(frame["location_id"], text, strict=True))


def read_hsds(folder: Path) -> tuple[pd.DataFrame, list[RowProblem]]:
    """Return asset records (with ``latitude``/``longitude``) from an HSDS or Ohana folder.

    Rows come back unvalidated, ready for :func:`mapping.assets.normalize_assets`, which
    refuses those without coordinates or with unknown languages, with the reason.
    """
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
    terms = _read(folder, "taxonomy")
    own_terms = set() if terms.empty or "vocabulary" not in terms else set(
        terms.loc[terms["vocabulary"] == TAXONOMY_VOCABULARY, "id"])
    service_terms = _read(folder, "services_taxonomy")

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
            "communities": [], "address": address.get(lid, ""), "phone": phone,
            "website": website, "description": description[:2000], "found_by": "service provider",
            "source": folder.name,
            "latitude": pd.to_numeric(loc.get("latitude", ""), errors="coerce"),
            "longitude": pd.to_numeric(loc.get("longitude", ""), errors="coerce"),
        })
    return pd.DataFrame(records), []


def write_hsds(export: pd.DataFrame) -> bytes:
    """Return an HSDS 1.1 tabular data package (zip) of exported assets.

    ``export`` is :func:`mapping.exports.export_frame` output (already safe to hand out).
    """
    orgs: dict[str, str] = {}
    tables: dict[str, list[dict[str, str]]] = {n: [] for n in (
        "organizations", "locations", "services", "services_at_location", "phones",
        "languages", "physical_addresses", "taxonomy", "services_taxonomy")}
    for c in CATEGORIES:
        tables["taxonomy"].append({"id": f"nam:{c.key}", "name": c.label, "parent_id": "",
                                   "parent_name": "", "vocabulary": TAXONOMY_VOCABULARY})
    for _, a in export.iterrows():
        org_name = a["organization"] or a["name"]
        oid = orgs.setdefault(org_name, f"org-{len(orgs) + 1}")
        lid = str(a["asset_id"])
        tables["locations"].append({"id": lid, "organization_id": oid, "name": a["name"],
                                    "alternate_name": "", "description": a["description"],
                                    "transportation": "", "latitude": f"{a['latitude']:.6f}",
                                    "longitude": f"{a['longitude']:.6f}"})
        services = [s.strip() for s in str(a["services"]).split(";") if s.strip()] or \
            [category(a["category"]).label]
        for i, name in enumerate(services):
            sid = f"{lid}-s{i}"
            tables["services"].append({"id": sid, "organization_id": oid, "program_id": "",
                                       "name": name, "alternate_name": "", "description": "",
                                       "url": a["website"], "email": "", "status": "active"})
            tables["services_at_location"].append({"id": f"{sid}-at", "service_id": sid,
                                                   "location_id": lid, "description": ""})
            tables["services_taxonomy"].append({"id": f"{sid}-t", "service_id": sid,
                                                "taxonomy_id": f"nam:{a['category']}",
                                                "taxonomy_detail": ""})
        for code in [c.strip() for c in str(a["languages"]).split(";") if c.strip()]:
            tables["languages"].append({"id": f"{lid}-{code}", "service_id": "",
                                        "location_id": lid, "language": language_name(code)})
        if a["phone"]:
            tables["phones"].append({"id": f"{lid}-p", "location_id": lid, "service_id": "",
                                     "organization_id": "", "contact_id": "",
                                     "service_at_location_id": "", "number": a["phone"],
                                     "extension": "", "type": "voice", "language": "",
                                     "description": "", "department": ""})
        if a["address"]:
            tables["physical_addresses"].append({"id": f"{lid}-a", "location_id": lid,
                                                 "attention": "", "address_1": a["address"],
                                                 "address_2": "", "address_3": "",
                                                 "address_4": "", "city": "", "region": "",
                                                 "state_province": "", "postal_code": "",
                                                 "country": "US"})
    for name, oid in orgs.items():
        tables["organizations"].append({"id": oid, "name": name, "alternate_name": "",
                                        "description": "", "email": "", "url": "",
                                        "tax_status": "", "tax_id": "", "year_incorporated": "",
                                        "legal_status": ""})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        resources = []
        for name, rows in tables.items():
            # Every cell is text; none may start a formula in the spreadsheet it is opened in.
            frame = pd.DataFrame(rows).map(lambda v: spreadsheet_cell(str(v)))
            zf.writestr(f"{name}.csv", frame.to_csv(index=False))
            resources.append({"name": name, "path": f"{name}.csv", "format": "csv",
                              "schema": {"fields": [{"name": c, "type": "string"}
                                                    for c in frame.columns]}})
        zf.writestr("datapackage.json", json.dumps(
            {"name": "community-assets", "profile": "tabular-data-package",
             "title": "Community assets (Open Referral HSDS 1.1)", "resources": resources},
            indent=2))
    return buffer.getvalue()
