"""The variable catalog: what each statistic is, so no page hard-codes a column name.

One catalog describes ACS tables, uploaded tables and other census systems alike. Each
:class:`Variable` has a topic, a universe (the variable it is a share of) and, where it
applies, the world region of an origin or the language group of a limited-English count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pycountry

from mapping.infra.errors import DataError

TOPICS: dict[str, str] = {
    "population": "Population",
    "origin": "Country of birth",
    "language": "Language and English ability",
    "entry": "Year of entry",
    "education": "Education",
    "poverty": "Poverty",
    "citizenship": "Citizenship",
    "income": "Income",
}

#: Roles a dataset can fill; filters and profiles look variables up by role, never by id.
ROLES: dict[str, str] = {
    "total_population": "Total population",
    "population_5plus": "Population 5 years and over (universe of language questions)",
    "foreign_born": "Foreign-born population",
    "lep_total": "Speak English less than 'very well' (all languages)",
}

KINDS = ("count", "median")


@dataclass(frozen=True)
class LanguageGroup:
    """One of the ACS C16001 language groups (or a coarser group a source reports)."""

    key: str
    label: str
    iso_codes: frozenset[str]


# ISO 639-1 codes (639-3 where there is no two-letter code) in each ACS C16001 group
# (2016 and later releases). Used to match the languages an asset serves in with the
# limited-English counts of a group.
_SLAVIC = "ru pl uk be cs sk sl hr sr bs bg mk"
_OTHER_IE = (
    "it pt ro el sq hy fa ps ku hi ur bn pa gu mr ne si lt lv ga cy ca gl sc co rom prs rhg sd"
)
_OTHER_ASIAN = (
    "ja th lo km my hmn id ms jv su mn bo ug ta te kn ml dz mh chk pon sm to fj haw ch kar"
)
_OTHER = "am ti om so sw yo ig ha wo ff ln rw rn zu xh af he tr hu fi et ka az kk uz ky tk ase nv"

LANGUAGE_GROUPS: tuple[LanguageGroup, ...] = (
    LanguageGroup("spanish", "Spanish", frozenset({"es"})),
    LanguageGroup("french", "French, Haitian or Cajun", frozenset({"fr", "ht", "frc"})),
    LanguageGroup("german", "German or other West Germanic", frozenset(
        {"de", "nl", "yi", "lb", "fy", "pdc"})),
    LanguageGroup("slavic", "Russian, Polish or other Slavic", frozenset(_SLAVIC.split())),
    LanguageGroup("other_indo_european", "Other Indo-European languages",
                  frozenset(_OTHER_IE.split())),
    LanguageGroup("korean", "Korean", frozenset({"ko"})),
    LanguageGroup("chinese", "Chinese (incl. Mandarin, Cantonese)", frozenset(
        {"zh", "yue", "cmn", "nan", "hak", "wuu"})),
    LanguageGroup("vietnamese", "Vietnamese", frozenset({"vi"})),
    LanguageGroup("tagalog", "Tagalog (incl. Filipino)", frozenset({"tl", "fil"})),
    LanguageGroup("other_asian", "Other Asian and Pacific Island languages",
                  frozenset(_OTHER_ASIAN.split())),
    LanguageGroup("arabic", "Arabic", frozenset({"ar"})),
    LanguageGroup("other", "Other and unspecified languages", frozenset(_OTHER.split())),
)
_ALL_NON_ENGLISH = frozenset().union(*(g.iso_codes for g in LANGUAGE_GROUPS))
#: Coarser groups some sources report (ACS B06007 / B16004: Spanish vs all other languages).
EXTRA_LANGUAGE_GROUPS: tuple[LanguageGroup, ...] = (
    LanguageGroup("non_spanish", "Languages other than Spanish (all)",
                  _ALL_NON_ENGLISH - {"es"}),
    LanguageGroup("any", "Any language other than English", _ALL_NON_ENGLISH),
)
_GROUPS_BY_KEY = {g.key: g for g in LANGUAGE_GROUPS + EXTRA_LANGUAGE_GROUPS}

# Names and ISO codes a person may type for a language; everything maps to ISO codes.
_LANGUAGE_NAMES: dict[str, str] = {
    "english": "en", "spanish": "es", "español": "es", "french": "fr", "haitian": "ht",
    "haitian creole": "ht", "creole": "ht", "german": "de", "dutch": "nl", "yiddish": "yi",
    "russian": "ru", "polish": "pl", "ukrainian": "uk", "czech": "cs", "slovak": "sk",
    "serbian": "sr", "croatian": "hr", "bosnian": "bs", "bulgarian": "bg",
    "italian": "it", "portuguese": "pt", "romanian": "ro", "greek": "el", "albanian": "sq",
    "armenian": "hy", "persian": "fa", "farsi": "fa", "dari": "prs", "pashto": "ps",
    "kurdish": "ku", "hindi": "hi", "urdu": "ur", "bengali": "bn", "punjabi": "pa",
    "gujarati": "gu", "marathi": "mr", "nepali": "ne", "lithuanian": "lt",
    "korean": "ko", "chinese": "zh", "mandarin": "zh", "cantonese": "yue",
    "vietnamese": "vi", "tagalog": "tl", "filipino": "fil", "japanese": "ja", "thai": "th",
    "lao": "lo", "laotian": "lo", "khmer": "km", "cambodian": "km", "burmese": "my",
    "karen": "kar", "hmong": "hmn", "indonesian": "id", "malay": "ms", "tamil": "ta",
    "telugu": "te", "chuukese": "chk", "marshallese": "mh", "samoan": "sm", "tongan": "to",
    "arabic": "ar", "amharic": "am", "tigrinya": "ti", "oromo": "om", "somali": "so",
    "swahili": "sw", "yoruba": "yo", "igbo": "ig", "hausa": "ha", "wolof": "wo",
    "hebrew": "he", "turkish": "tr", "hungarian": "hu", "asl": "ase",
    # Common names directories use that ISO 639-3 spells otherwise.
    "taiwanese": "nan", "hokkien": "nan", "fukienese": "nan", "min nan": "nan",
    "toishanese": "yue", "taishanese": "yue", "shanghainese": "wuu", "hakka": "hak",
    "tigrigna": "ti", "kiswahili": "sw", "pushto": "ps", "moldovan": "ro",
    "haitian-creole": "ht", "kreyol": "ht", "kreyòl": "ht", "sgaw karen": "kar",
    "rohingya": "rhg", "kinyarwanda": "rw", "kirundi": "rn", "mam": "mam", "quiche": "quc",
    "k'iche'": "quc", "q'anjob'al": "kjb", "mixteco": "mix", "zapoteco": "zap",
    "american sign language": "ase", "sign language": "ase",
}
_KNOWN_CODES = _ALL_NON_ENGLISH | {"en"}


def language_group(key: str) -> LanguageGroup:
    """Return the language group with this key; raise :class:`KeyError` if unknown."""
    return _GROUPS_BY_KEY[key]


def parse_language(text: str) -> str:
    """Return the ISO 639 code for a language name or code a person typed.

    Raises
    ------
    DataError
        If the text is not a language this catalog knows.

    Examples
    --------
    >>> parse_language("Spanish")
    'es'
    >>> parse_language("TL")
    'tl'
    """
    t = " ".join(text.strip().lower().split())
    if t in _KNOWN_CODES:
        return t
    if t in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[t]
    # "Chinese (Mandarin)": the variant in brackets names the language more closely.
    bracket = re.fullmatch(r"(.+?)\s*\((.+)\)", t)
    if bracket:
        for part in (bracket.group(2), bracket.group(1)):
            try:
                return parse_language(part)
            except DataError:
                pass
    code = _iso_639_code(t)
    if code:
        return code
    raise DataError(f"unknown language {text!r}: use a language name (e.g. 'Spanish') "
                    "or an ISO 639 code (e.g. 'es')")


def _iso_639_code(text: str) -> str | None:
    """The ISO 639-1 code (639-3 where there is none) of a name or code in ISO 639-3."""
    try:
        found = pycountry.languages.lookup(text)
    except LookupError:
        return None
    return getattr(found, "alpha_2", None) or found.alpha_3


def parse_languages(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """Return ISO codes for a list (or a ``,``/``;``/``|`` separated string) of languages."""
    if text is None:
        return ()
    parts = re.split(r"[;,|/]", text) if isinstance(text, str) else list(text)
    codes = [parse_language(p) for p in parts if str(p).strip()]
    return tuple(dict.fromkeys(codes))


_NAME_OF_CODE = {code: name.title() for name, code in reversed(list(_LANGUAGE_NAMES.items()))}
_NAME_OF_CODE.update({"ase": "American Sign Language", "en": "English", "es": "Spanish",
                      "zh": "Chinese", "fa": "Persian (Farsi)", "ht": "Haitian Creole",
                      "nan": "Min Nan Chinese (Taiwanese, Hokkien)", "wuu": "Wu Chinese"})


def language_name(code: str) -> str:
    """Return a language's English name for an ISO 639 code (the code itself if unknown).

    Examples
    --------
    >>> language_name("vi"), language_name("sd"), language_name("xx")
    ('Vietnamese', 'Sindhi', 'xx')
    """
    if code in _NAME_OF_CODE:
        return _NAME_OF_CODE[code]
    found = (pycountry.languages.get(alpha_2=code) if len(code) == 2
             else pycountry.languages.get(alpha_3=code))
    return found.name if found is not None else code


def groups_of_language(code: str) -> tuple[str, ...]:
    """Return the keys of every language group (C16001 and coarser) that holds ``code``.

    A language of ISO 639-3 that no C16001 group names (a rare one a partner's directory
    lists) counts in "Other and unspecified languages", as the Census Bureau codes
    languages it does not tabulate separately.

    Examples
    --------
    >>> groups_of_language("nan"), groups_of_language("en")
    (('chinese', 'non_spanish', 'any'), ())
    """
    groups = tuple(g.key for g in LANGUAGE_GROUPS + EXTRA_LANGUAGE_GROUPS
                   if code in g.iso_codes)
    if groups or code == "en" or _iso_639_code(code) is None:
        return groups
    return ("other", "non_spanish", "any")


# World regions and subregions of the ACS place-of-birth table (B05006). Used to place
# origins from non-ACS sources; the ACS loader builds the hierarchy from the table's labels.
_REGION_TABLE = """
Europe|Northern Europe|Denmark,Ireland,Norway,Sweden,United Kingdom,England,Scotland,Lithuania,Latvia,Estonia,Finland
Europe|Western Europe|Austria,Belgium,France,Germany,Netherlands,Switzerland
Europe|Southern Europe|Greece,Italy,Portugal,Azores Islands,Spain
Europe|Eastern Europe|Albania,Belarus,Bosnia and Herzegovina,Bulgaria,Croatia,Czechoslovakia,Czech Republic
Europe|Eastern Europe|Hungary,Kosovo,Moldova,North Macedonia,Poland,Romania,Russia,Serbia,Ukraine
Asia|Eastern Asia|China,Hong Kong,Taiwan,Japan,Korea,South Korea,Mongolia
Asia|South Central Asia|Afghanistan,Bangladesh,Bhutan,India,Iran,Kazakhstan,Nepal,Pakistan,Sri Lanka,Uzbekistan
Asia|South Eastern Asia|Burma,Myanmar,Cambodia,Indonesia,Laos,Malaysia,Philippines,Singapore,Thailand,Vietnam
Asia|Western Asia|Armenia,Iraq,Israel,Jordan,Kuwait,Lebanon,Saudi Arabia,Syria,Turkey,Yemen
Africa|Eastern Africa|Eritrea,Ethiopia,Kenya,Somalia,Tanzania,Uganda,Zimbabwe,Rwanda,Burundi
Africa|Middle Africa|Cameroon,Congo,Democratic Republic of Congo
Africa|Northern Africa|Egypt,Morocco,Sudan,Algeria,Tunisia,Libya
Africa|Southern Africa|South Africa
Africa|Western Africa|Cabo Verde,Ghana,Liberia,Nigeria,Senegal,Sierra Leone,Togo,Guinea
Oceania|Australia and New Zealand|Australia,New Zealand
Oceania|Micronesia|Micronesia,Marshall Islands,Palau,Guam
Oceania|Melanesia and Polynesia|Fiji,Tonga,Samoa,Papua New Guinea
Latin America|Caribbean|Bahamas,Barbados,Cuba,Dominica,Dominican Republic,Grenada,Haiti,Jamaica,Trinidad and Tobago
Latin America|Central America|Belize,Costa Rica,El Salvador,Guatemala,Honduras,Mexico,Nicaragua,Panama
Latin America|South America|Argentina,Bolivia,Brazil,Chile,Colombia,Ecuador,Guyana,Peru,Uruguay,Venezuela
Northern America|Northern America|Canada,Bermuda
"""
_COUNTRY_REGIONS: dict[str, tuple[str, str]] = {}
for _line in _REGION_TABLE.strip().splitlines():
    _region, _subregion, _countries = _line.split("|")
    for _country in _countries.split(","):
        _COUNTRY_REGIONS[_country.lower()] = (_region, _subregion)

REGIONS: tuple[str, ...] = (
    "Latin America", "Asia", "Europe", "Africa", "Northern America", "Oceania",
)


def region_of_country(label: str) -> tuple[str, str] | None:
    """Return ``(region, subregion)`` for a country label, or ``None`` if unknown.

    Parenthesised notes are ignored: ``"Burma (Karen)"`` is Burma.

    Examples
    --------
    >>> region_of_country("Hong Kong (Cantonese)")
    ('Asia', 'Eastern Asia')
    """
    name = re.sub(r"\(.*?\)", "", label).strip().strip(":").lower()
    return _COUNTRY_REGIONS.get(name)


@dataclass(frozen=True)
class Variable:
    """One statistic of an area set.

    Parameters
    ----------
    id
        Unique id within the dataset (an ACS code such as ``B05006_042`` or a name).
    label
        What a person reads: ``"Born in Mexico"``.
    topic
        One of :data:`TOPICS`.
    universe
        Id of the variable this one is a share of (``None``: no share is meaningful).
    kind
        ``"count"`` (people or households; sums, shares and densities apply) or
        ``"median"`` (a median: shown as is).
    role
        One of :data:`ROLES` when the variable fills it.
    region, subregion
        For origins: the world region and subregion of the country.
    language
        For limited-English counts: the key of the language group.
    country
        For origins: the country name assets' ``communities`` tags are matched against.
    residual
        For origins: a residual line of the table ("Other Eastern Asia", "Europe, n.e.c."):
        part of its region's total, but not a country (never listed or matched as one).
    parts
        For a derived sum (the LEP total): the variables it adds up, so a total over many
        areas is taken over their cells (see :func:`mapping.analysis.moe.total_over_areas`).
    """

    id: str
    label: str
    topic: str
    universe: str | None = None
    kind: str = "count"
    role: str | None = None
    region: str | None = None
    subregion: str | None = None
    language: str | None = None
    country: str | None = None
    parts: tuple[str, ...] = ()
    residual: bool = False

    def __post_init__(self) -> None:
        if self.topic not in TOPICS:
            raise DataError(f"variable {self.id!r}: unknown topic {self.topic!r}; "
                            f"use one of {', '.join(TOPICS)}")
        if self.kind not in KINDS:
            raise DataError(f"variable {self.id!r}: unknown kind {self.kind!r}; use count or median")
        if self.role is not None and self.role not in ROLES:
            raise DataError(f"variable {self.id!r}: unknown role {self.role!r}; "
                            f"use one of {', '.join(ROLES)}")
        if self.language is not None and self.language not in _GROUPS_BY_KEY:
            raise DataError(f"variable {self.id!r}: unknown language group {self.language!r}; "
                            f"use one of {', '.join(_GROUPS_BY_KEY)}")

    @property
    def is_origin(self) -> bool:
        """True for a country-of-birth count (it has a region)."""
        return self.topic == "origin" and self.region is not None

    @property
    def is_lep(self) -> bool:
        """True for a count of limited-English speakers of one language group."""
        return self.topic == "language" and self.language is not None


@dataclass(frozen=True)
class Catalog:
    """The variables of a dataset, with lookups by role, region and language group."""

    variables: tuple[Variable, ...]
    #: True when the dataset holds every country of birth of its source table (a Census API
    #: load or a data.census.gov B05006 table): a region's countries then sum to the
    #: region's total. False (a file with a few countries): a region figure is only the sum
    #: of the countries present, and is labelled so.
    origins_complete: bool = False
    _by_id: dict[str, Variable] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Variable] = {}
        for v in self.variables:
            if v.id in by_id:
                raise DataError(f"variable id {v.id!r} is defined twice")
            by_id[v.id] = v
        for v in self.variables:
            if v.universe is not None and v.universe not in by_id:
                raise DataError(f"variable {v.id!r}: its universe {v.universe!r} is not a "
                                "variable of this dataset")
        object.__setattr__(self, "_by_id", by_id)

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.variables)

    def __len__(self) -> int:
        return len(self.variables)

    def __contains__(self, variable_id: object) -> bool:
        return variable_id in self._by_id

    def get(self, variable_id: str) -> Variable:
        """Return the variable with this id; :class:`DataError` if there is none."""
        try:
            return self._by_id[variable_id]
        except KeyError:
            raise DataError(f"this dataset has no variable {variable_id!r}") from None

    def by_role(self, role: str) -> Variable | None:
        """Return the variable that fills ``role``, or ``None``."""
        return next((v for v in self.variables if v.role == role), None)

    def origins(self) -> tuple[Variable, ...]:
        """Return the country-of-birth variables, largest region first as in :data:`REGIONS`
        (the table's residual lines, "Other Eastern Asia", are not countries: left out)."""
        return tuple(v for v in self._all_origins() if not v.residual)

    def _all_origins(self) -> tuple[Variable, ...]:
        order = {r: i for i, r in enumerate(REGIONS)}
        found = [v for v in self.variables if v.is_origin]
        return tuple(sorted(found, key=lambda v: (order.get(v.region or "", 99), v.label)))

    def origins_by_region(self) -> dict[str, tuple[Variable, ...]]:
        """Return ``{region: origins}`` for the regions that have origins here, with the
        table's residual lines (so a whole table's region sums to the region's total)."""
        out: dict[str, list[Variable]] = {}
        for v in self._all_origins():
            out.setdefault(v.region or "", []).append(v)
        return {r: tuple(vs) for r, vs in out.items()}

    def cells_of(self, variable_id: str) -> tuple[str, ...]:
        """The source variables a figure adds up: a derived sum's parts (in turn expanded),
        or the variable itself."""
        v = self.get(variable_id)
        if not v.parts:
            return (v.id,)
        return tuple(c for part in v.parts for c in self.cells_of(part))

    def region_label(self, region: str) -> str:
        """How a region's figure is named: the region itself when the dataset holds all its
        countries, else which of its countries are summed (never called the region's total).

        >>> from mapping.sources.catalog import Catalog, Variable
        >>> v = Variable("a", "Born in Spain", "origin", region="Europe", country="Spain")
        >>> Catalog((v,)).region_label("Europe")
        "Europe: only Spain (1 of the region's countries in this dataset)"
        >>> Catalog((v,), origins_complete=True).region_label("Europe")
        'Europe'
        """
        if self.origins_complete:
            return region
        members = self.origins_by_region().get(region, ())
        names = ", ".join(v.country or v.label for v in members[:5])
        more = f" and {len(members) - 5} more" if len(members) > 5 else ""
        return (f"{region}: only {names}{more} ({len(members)} of the region's countries in "
                "this dataset)")

    def partial_origins_note(self) -> str:
        """A sentence for any figure built from the origins of a dataset that holds only some
        countries (empty when it holds them all, or none)."""
        if self.origins_complete or not self.origins():
            return ""
        note = (f"This dataset holds {len(self.origins())} countries of birth, not all of "
                "them: a world region here is the sum of its countries listed, not the "
                "region's total.")
        if self.by_role("foreign_born") is None:
            note += " The foreign-born total is not in this dataset."
        return note

    def lep_variables(self) -> tuple[Variable, ...]:
        """Return the limited-English counts per language group."""
        return tuple(v for v in self.variables if v.is_lep)

    def lep_variable(self, language: str) -> Variable:
        """Return the limited-English count of one language group."""
        for v in self.lep_variables():
            if v.language == language:
                return v
        raise DataError(f"this dataset has no limited-English count for {language!r}")

    def topic(self, topic: str) -> tuple[Variable, ...]:
        """Return the variables of one topic, in catalog order."""
        return tuple(v for v in self.variables if v.topic == topic)

    def indicators(self) -> tuple[Variable, ...]:
        """Return variables worth showing on their own: everything but origin/LEP details."""
        return tuple(v for v in self.variables if not v.is_origin and not v.is_lep)
