"""The variable catalog: languages, regions, lookups and its own consistency checks."""

import pytest

from mapping.infra.errors import DataError
from mapping.sources.catalog import (
    Catalog,
    Variable,
    groups_of_language,
    parse_language,
    parse_languages,
    region_of_country,
)


@pytest.mark.parametrize("text,code", [
    ("Spanish", "es"), ("español", "es"), (" ES ", "es"), ("Haitian Creole", "ht"),
    ("Cantonese", "yue"), ("Tagalog", "tl"), ("ASL", "ase"), ("Chuukese", "chk"),
])
def test_parse_language(text, code):
    assert parse_language(text) == code


def test_parse_language_rejects_unknown_with_what_to_do():
    with pytest.raises(DataError, match="ISO 639"):
        parse_language("Dothraki")


def test_parse_languages_splits_and_deduplicates():
    assert parse_languages("Spanish; es, Vietnamese|tl") == ("es", "vi", "tl")


@pytest.mark.parametrize("code,groups", [
    ("es", ("spanish", "any")),
    ("ht", ("french", "non_spanish", "any")),
    ("yue", ("chinese", "non_spanish", "any")),
    ("so", ("other", "non_spanish", "any")),
    ("en", ()),
])
def test_groups_of_language(code, groups):
    assert groups_of_language(code) == groups


@pytest.mark.parametrize("label,expected", [
    ("Mexico", ("Latin America", "Central America")),
    ("Burma (Karen)", ("Asia", "South Eastern Asia")),
    ("Micronesia (Chuukese)", ("Oceania", "Micronesia")),
    ("Ukraine", ("Europe", "Eastern Europe")),
    ("Atlantis", None),
])
def test_region_of_country(label, expected):
    assert region_of_country(label) == expected


def _v(i, **kw):
    return Variable(i, kw.pop("label", i), kw.pop("topic", "population"), **kw)


def test_catalog_lookups():
    cat = Catalog((
        _v("pop", role="total_population"),
        _v("mx", topic="origin", universe="pop", region="Latin America", country="Mexico"),
        _v("cn", topic="origin", universe="pop", region="Asia", country="China"),
        _v("lep_es", topic="language", universe="pop", language="spanish"),
    ))
    assert cat.by_role("total_population").id == "pop"
    assert [v.id for v in cat.origins()] == ["mx", "cn"]  # Latin America listed before Asia
    assert set(cat.origins_by_region()) == {"Latin America", "Asia"}
    assert cat.lep_variable("spanish").id == "lep_es"
    with pytest.raises(DataError, match="no limited-English count"):
        cat.lep_variable("korean")


@pytest.mark.parametrize("variables,message", [
    ((_v("a"), _v("a")), "defined twice"),
    ((_v("a", universe="missing"),), "universe 'missing'"),
])
def test_catalog_rejects_inconsistency(variables, message):
    with pytest.raises(DataError, match=message):
        Catalog(variables)


@pytest.mark.parametrize("kwargs,message", [
    ({"topic": "weather"}, "unknown topic"),
    ({"kind": "mean"}, "unknown kind"),
    ({"role": "mayor"}, "unknown role"),
    ({"language": "elvish"}, "unknown language group"),
])
def test_variable_rejects_unknown_values(kwargs, message):
    with pytest.raises(DataError, match=message):
        Variable("x", "x", **{"topic": "population", **kwargs})


def test_residual_lines_count_in_their_region_but_are_not_countries():
    """Issue #10 item 5: 'Other Eastern Asia' was listed (and matched) as a country."""
    from mapping.sources.catalog import Catalog, Variable

    japan = Variable("jp", "Born in Japan", "origin", region="Asia", country="Japan")
    rest = Variable("oea", "Born elsewhere in Eastern Asia (Other Eastern Asia)", "origin",
                    region="Asia", subregion="Eastern Asia", residual=True)
    catalog = Catalog((japan, rest), origins_complete=True)
    assert catalog.origins() == (japan,)
    assert set(catalog.origins_by_region()["Asia"]) == {japan, rest}
