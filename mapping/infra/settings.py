"""Settings: one frozen object, read once from the environment (and Streamlit secrets).

Every setting has an environment variable ``NAM_<NAME>``; the app also reads the same
names (lower case) from ``.streamlit/secrets.toml``. A bad value raises
:class:`ConfigError` naming the setting and what it accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mapping.infra.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LEAFLET_CDN_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CDN_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
#: Where ``scripts/setup.sh`` puts the npm copy of Leaflet; Streamlit serves it at /app/static.
LOCAL_LEAFLET_DIR = PROJECT_ROOT / "static" / "vendor" / "leaflet"
LEAFLET_DRAW_CDN_JS = "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js"
LEAFLET_DRAW_CDN_CSS = "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css"
TILE_CHOICES = ("OpenStreetMap", "none")
OSM_STATIC_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@dataclass(frozen=True)
class Settings:
    """Validated settings of one app process.

    Parameters
    ----------
    data_dir
        Where saved datasets live (``NAM_DATA_DIR``, default ``data/``).
    shared_data_dir
        The real reference data (``NAM_SHARED_DATA``, default ``../shared/data``); the
        built-in Cook County and Portland datasets read from here.
    dataset
        Dataset shown at start (``NAM_DATASET``): ``demo``, the id of a saved or built-in
        dataset, or a path to a dataset description (JSON).
    max_upload_mb
        Largest upload accepted, in MB (``NAM_MAX_UPLOAD_MB``, 1-500, default 50).
    distance_unit
        Distances shown in kilometres or miles (``NAM_DISTANCE_UNIT``: ``km`` or ``mi``).
    branch_max_km
        A branch serves the areas nearest to it up to this distance
        (``NAM_BRANCH_MAX_KM``, default 10); farther areas belong to no branch.
    max_datasets, max_datasets_mb
        Quota on saved datasets (uploads and Census loads): how many
        (``NAM_MAX_DATASETS``, default 100) and how many MB in all
        (``NAM_MAX_DATASETS_MB``, default 5000).
    tiles
        Basemap (``NAM_TILES``): one of :data:`TILE_CHOICES`.
    static_tiles
        Tiles fetched for the basemap of the meeting pack's static maps
        (``NAM_STATIC_TILES``): an ``http(s)`` address with ``{z}``, ``{x}`` and ``{y}``;
        OpenStreetMap's when ``tiles`` is, empty (none) for ``none``.
    leaflet
        Where the browser loads Leaflet from (``NAM_LEAFLET``): ``auto`` (the local copy
        when ``scripts/setup.sh`` installed it, else the CDN), ``local`` or ``cdn``.
    census_key
        Census Data API key (``NAM_CENSUS_KEY``); free at api.census.gov/data/key_signup.html.
    census_api, census_boundaries
        Roots of the Census Data API and of the boundary files (``NAM_CENSUS_API``,
        ``NAM_CENSUS_BOUNDARIES``); change them only to use a mirror.
    staff_passcode
        ``NAM_STAFF_PASSCODE`` (best in ``.streamlit/secrets.toml``): when set, visitors see
        public information only, and staff enter it to edit the database, see staff-only
        assets and personal contacts. Unset: everyone using this copy is staff (a
        librarian's own computer).
    geocoder, census_geocoder, nominatim
        Which service places addresses (``NAM_GEOCODER``: ``census`` or ``nominatim``) and
        where they are (``NAM_CENSUS_GEOCODER``, ``NAM_NOMINATIM``).
    database_url
        Shared asset database (``NAM_DATABASE_URL``), e.g.
        ``postgresql+psycopg://user:pass@host/db``; empty: SQLite under ``data/``.
    session_idle_minutes, session_max_hours
        A signed-in session ends after this long without use (``NAM_SESSION_IDLE_MINUTES``,
        default 60) and after this long in all (``NAM_SESSION_MAX_HOURS``, default 12).
    own_branch_only
        ``NAM_EDIT_OWN_BRANCH_ONLY`` (``true``/``false``, default false): staff and branch
        leads edit only the assets of their own branch (and those of no branch).
    """

    data_dir: Path
    shared_data_dir: Path
    dataset: str = "demo"
    max_upload_mb: int = 50
    max_datasets: int = 100
    branch_max_km: float = 10.0
    distance_unit: str = "km"
    max_datasets_mb: int = 5000
    tiles: str = "OpenStreetMap"
    static_tiles: str = ""
    leaflet: str = "auto"
    census_key: str | None = None
    staff_passcode: str | None = None
    census_api: str = "https://api.census.gov/data"
    census_boundaries: str = "https://www2.census.gov/geo/tiger"
    database_url: str = ""
    session_idle_minutes: int = 60
    session_max_hours: int = 12
    own_branch_only: bool = False
    geocoder: str = "census"
    census_geocoder: str = "https://geocoding.geo.census.gov/geocoder"
    nominatim: str = "https://nominatim.openstreetmap.org"

    @property
    def store_url(self) -> str:
        """The asset database: ``NAM_DATABASE_URL``, else a SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'assets.db'}"

    @property
    def datasets_dir(self) -> Path:
        """Folder of saved dataset descriptions (one sub-folder each)."""
        return self.data_dir / "datasets"

    @property
    def max_upload_bytes(self) -> int:
        """Upload limit in bytes."""
        return self.max_upload_mb * 1024 * 1024

    def _local(self) -> bool:
        present = (LOCAL_LEAFLET_DIR / "leaflet.js").exists()
        return self.leaflet == "local" or (self.leaflet == "auto" and present)

    def leaflet_urls(self) -> tuple[str, str]:
        """Return the (js, css) URLs the map pages load Leaflet from."""
        if self._local():
            return ("/app/static/vendor/leaflet/leaflet.js",
                    "/app/static/vendor/leaflet/leaflet.css")
        return LEAFLET_CDN_JS, LEAFLET_CDN_CSS

    def draw_urls(self) -> tuple[str, str]:
        """Return the (js, css) URLs of Leaflet.draw (drawing a shape to profile)."""
        if self._local():
            return ("/app/static/vendor/leaflet-draw/leaflet.draw.js",
                    "/app/static/vendor/leaflet-draw/leaflet.draw.css")
        return LEAFLET_DRAW_CDN_JS, LEAFLET_DRAW_CDN_CSS


def load_settings(environ: Mapping[str, str], secrets: Mapping[str, object] | None = None
                  ) -> Settings:
    """Return settings from environment variables, falling back to secrets, then defaults.

    Raises
    ------
    ConfigError
        If a value is out of range; the message names the setting.
    """
    secrets = secrets or {}

    def get(name: str, default: str) -> str:
        env = environ.get(f"NAM_{name.upper()}")
        if env is not None and env != "":
            return env
        value = secrets.get(name)
        return default if value is None else str(value)

    data_dir = Path(get("data_dir", str(PROJECT_ROOT / "data"))).expanduser()
    shared = Path(get("shared_data", str(PROJECT_ROOT.parent / "shared" / "data"))).expanduser()
    def whole(name: str, default: int, low: int, high: int, unit: str) -> int:
        raw = get(name, str(default))
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"NAM_{name.upper()} must be a whole number{unit}, "
                              f"not {raw!r}") from None
        if not low <= value <= high:
            raise ConfigError(f"NAM_{name.upper()} must be between {low} and {high}, "
                              f"not {value}")
        return value

    max_mb = whole("max_upload_mb", 50, 1, 500, " of MB")
    max_datasets = whole("max_datasets", 100, 1, 100_000, "")
    max_datasets_mb = whole("max_datasets_mb", 5000, 1, 10_000_000, " of MB")
    distance_unit = get("distance_unit", "km")
    if distance_unit not in ("km", "mi"):
        raise ConfigError(f"NAM_DISTANCE_UNIT must be km or mi, not {distance_unit!r}")
    raw_km = get("branch_max_km", "10")
    try:
        branch_max_km = float(raw_km)
    except ValueError:
        raise ConfigError(f"NAM_BRANCH_MAX_KM must be a number of kilometres, not {raw_km!r}"
                          ) from None
    if not 0.5 <= branch_max_km <= 500:
        raise ConfigError(f"NAM_BRANCH_MAX_KM must be between 0.5 and 500, not {raw_km}")
    tiles = get("tiles", "OpenStreetMap")
    if tiles not in TILE_CHOICES:
        raise ConfigError(f"NAM_TILES must be one of {', '.join(TILE_CHOICES)}, not {tiles!r}")
    static_tiles = get("static_tiles", OSM_STATIC_TILES if tiles == "OpenStreetMap" else "none")
    if static_tiles == "none":
        static_tiles = ""
    elif not (static_tiles.startswith(("https://", "http://"))
              and all(p in static_tiles for p in ("{z}", "{x}", "{y}"))):
        raise ConfigError("NAM_STATIC_TILES must be none or an http(s) address with {z}, {x} "
                          f"and {{y}}, not {static_tiles!r}")
    leaflet = get("leaflet", "auto")
    if leaflet not in ("auto", "local", "cdn"):
        raise ConfigError(f"NAM_LEAFLET must be auto, local or cdn, not {leaflet!r}")
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError(f"NAM_DATA_DIR {str(data_dir)!r} is a file, not a folder")
    geocoder = get("geocoder", "census")
    if geocoder not in ("census", "nominatim"):
        raise ConfigError(f"NAM_GEOCODER must be census or nominatim, not {geocoder!r}")
    urls = {}
    for name, default in (("census_api", "https://api.census.gov/data"),
                          ("census_boundaries", "https://www2.census.gov/geo/tiger"),
                          ("census_geocoder", "https://geocoding.geo.census.gov/geocoder"),
                          ("nominatim", "https://nominatim.openstreetmap.org")):
        urls[name] = get(name, default).rstrip("/")
        if not urls[name].startswith(("https://", "http://")):
            raise ConfigError(f"NAM_{name.upper()} must be an http(s) URL, not {urls[name]!r}")
    database_url = get("database_url", "").strip()
    if database_url and not database_url.startswith(("sqlite:", "postgresql")):
        raise ConfigError("NAM_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL, "
                          f"not {database_url.split(':', 1)[0]!r}...")
    own_branch = get("edit_own_branch_only", "false").strip().lower()
    if own_branch not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"NAM_EDIT_OWN_BRANCH_ONLY must be true or false, not {own_branch!r}")
    return Settings(data_dir=data_dir, shared_data_dir=shared, dataset=get("dataset", "demo"),
                    max_upload_mb=max_mb, max_datasets=max_datasets,
                    max_datasets_mb=max_datasets_mb, branch_max_km=branch_max_km,
                    distance_unit=distance_unit, tiles=tiles, static_tiles=static_tiles,
                    leaflet=leaflet,
                    census_key=get("census_key", "").strip() or None,
                    staff_passcode=get("staff_passcode", "") or None,
                    database_url=database_url, geocoder=geocoder,
                    session_idle_minutes=whole("session_idle_minutes", 60, 1, 10_080, " of minutes"),
                    session_max_hours=whole("session_max_hours", 12, 1, 720, " of hours"),
                    own_branch_only=own_branch in ("true", "1", "yes"), **urls)
