"""Map building: geometry encoding, classes, coverage-preserving simplification, escaping."""

import base64
import html
import json
import re
from dataclasses import replace

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from mapping.analysis.filters import Filters, compute_measure
from mapping.present.render import (
    area_features_json,
    area_geometry_blob,
    build_map,
    classify,
    encode_geometry,
    legend_html,
    live_base_map,
    live_map_data,
    prepare_areas,
    prepare_asset_points,
)
from mapping.records.assets import normalize_assets

HOSTILE = ["<img src=x onerror=alert(1)>", "${alert(1)}", "`);alert(1);(`", "</script><b>x",
           "back\\slash \"quote\""]


def decode(codes: str, scale: int = 100_000):
    """Python twin of the map's decodeGeometry."""
    polys = []
    for rings in json.loads(codes):
        out_rings = []
        for r in rings:
            xy = np.cumsum(np.asarray(r, dtype=np.int64).reshape(-1, 2), axis=0) / scale
            out_rings.append(xy)
        polys.append(shapely.Polygon(out_rings[0], out_rings[1:]))
    return shapely.MultiPolygon(polys)


@pytest.mark.parametrize("geometry", [
    shapely.box(-87.71756, 41.621812, -87.70, 41.63),
    shapely.Polygon([(0, 0), (0.001, 0), (0.001, 0.001), (0, 0.001)],
                    [[(0.0002, 0.0002), (0.0004, 0.0002), (0.0004, 0.0004), (0.0002, 0.0002)]]),
    shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]),
])
def test_encode_geometry_round_trips_to_1e5(geometry):
    back = decode(encode_geometry(geometry))
    assert back.symmetric_difference(geometry).area < geometry.length * 1e-5  # <= 1e-5 shift
    assert shapely.get_num_coordinates(back) <= shapely.get_num_coordinates(geometry)


@pytest.mark.parametrize("values,k,n_classes", [
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, 5),
    ([3, 3, 3, 3], 5, 1),          # one distinct value: one class
    ([1, 2, np.nan, 2], 5, 2),     # NaN gets no class; few values: a class each
])
def test_classify(values, k, n_classes):
    c = classify(np.array(values, dtype=float), k=k)
    assert len(c.upper_bounds) == n_classes
    assert list(c.upper_bounds) == sorted(c.upper_bounds)
    for v, i in zip(values, c.index, strict=True):
        if np.isnan(v):
            assert i == -1
        else:
            assert v <= c.upper_bounds[i] and (i == 0 or v > c.upper_bounds[i - 1])


def test_simplification_keeps_the_coverage_without_gaps_or_overlaps(demo):
    prepared = prepare_areas(demo.area_set)
    polys = [decode(c) for c in prepared.geometry_codes]
    union = shapely.union_all(polys)
    total = sum(p.area for p in polys)
    assert total == pytest.approx(union.area, rel=1e-6)  # no overlaps
    original = shapely.union_all(demo.area_set.areas.geometry.to_numpy())
    # No slivers open between neighbours: the union has no more holes than the original.
    assert len(shapely.get_parts(union)) == len(shapely.get_parts(original))
    assert sum(len(p.interiors) for p in shapely.get_parts(union)) == \
        sum(len(p.interiors) for p in shapely.get_parts(original))


def _hostile_assets(demo):
    rep = demo.area_set.areas.geometry.iloc[0].representative_point()
    frame = pd.DataFrame([{"name": n, "category": "health", "latitude": rep.y,
                           "longitude": rep.x, "asset_id": f"x{i}"} for i, n in enumerate(HOSTILE)])
    gdf, problems = normalize_assets(frame, source="hostile")
    assert not problems
    return gdf


def test_text_from_data_is_escaped_in_map_html(demo, shared_settings):
    area_set = demo.area_set
    areas = area_set.areas.copy()
    areas.iloc[0, areas.columns.get_loc("name")] = HOSTILE[0]
    prepared = prepare_areas(type(area_set)(areas=areas, indicators=area_set.indicators,
                                            catalog=area_set.catalog, title=HOSTILE[1],
                                            source=HOSTILE[0], year="`", synthetic=True))
    measure = compute_measure(area_set, Filters())
    m = build_map(prepared, area_set, measure, _hostile_assets(demo), leaflet_js="l.js",
                  leaflet_css="l.css", tiles="none")
    html = m.get_root().render()
    for raw in ("<img src=x", "${alert", "`);alert", "</script><b>"):
        assert raw not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html.replace("\\u0026", "&")


def _hostile_labels(area_set, label: str):
    """The area set with every statistic's label replaced by ``label`` (ids kept)."""
    catalog = type(area_set.catalog)(tuple(replace(v, label=f"{label} {v.id}")
                                           for v in area_set.catalog))
    return replace(area_set, catalog=catalog)


@pytest.mark.parametrize("label", HOSTILE)
def test_layer_names_reach_the_layer_control_as_text(demo, label):
    """Issue #8, finding 1: Leaflet's layer control inserts a layer's name as HTML, and a
    statistic's label (an uploaded column name) became the name of the areas layer."""
    area_set = _hostile_labels(demo.area_set, label)
    prepared = prepare_areas(area_set)
    m = build_map(prepared, area_set, compute_measure(area_set, Filters()),
                  _hostile_assets(demo), leaflet_js="l.js", leaflet_css="l.css", tiles="none",
                  outlines=_outlines(demo), outline_name=label)
    m.get_root().render()  # the layer control collects its layers' names when rendered
    control = next(c for c in m._children.values() if isinstance(c, folium.LayerControl))
    names = list(control.overlays)
    assert len(names) == 3  # areas, outlines, assets
    for name in names:
        # What Leaflet will parse as HTML is exactly the escaped text: no tag can open.
        assert "<" not in name and ">" not in name
        assert html.unescape(name).startswith(("Areas: ", label, "Community assets"))
    assert any(label in html.unescape(n) for n in names[:2])


def _outlines(demo):
    first = demo.area_set.areas.iloc[:3]
    return gpd.GeoDataFrame({"label": HOSTILE[:3]}, geometry=first.geometry.to_numpy(),
                            crs="EPSG:4326")


def test_legend_says_what_classes_source_and_year(demo):
    measure = compute_measure(demo.area_set, Filters(languages=("spanish",), measure="share"))
    classes = classify(measure.values["value"].to_numpy())
    out = legend_html(measure, classes, source="ACS <5-year>", year="2021", synthetic=True,
                      asset_counts=[("Health", 3)])
    assert "Spanish" in out and "% of Population 5 years and over" in out
    assert out.count('class="sw"') == len(classes.upper_bounds) + 1  # classes + no data
    assert "ACS &lt;5-year&gt;, 2021" in out and "SYNTHETIC" in out
    assert "unreliable estimate" in out and "Health (3)" in out


def test_area_properties_carry_value_moe_and_reliability(demo):
    prepared = prepare_areas(demo.area_set)
    measure = compute_measure(demo.area_set, Filters())
    classes = classify(measure.values["value"].to_numpy())
    features = json.loads(area_features_json(prepared, measure, classes))
    assert len(features) == len(demo.area_set.areas)
    props = features[0][1]
    row = measure.values.loc[props["g"]]
    assert props["v"] == f"{row['value']:,.0f}" and props["m"] == f"{row['value_moe']:,.0f}"
    assert props["r"] == row["reliability"]
    assert re.fullmatch(r"Tract \d+", props["n"])  # common ", Demo County" suffix dropped


# --- the live map -----------------------------------------------------------------------

def _points_frame(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"asset_id": [f"a{i}" for i in range(n)],
                             "name": [f"Asset {i}" for i in range(n)],
                             "category": ["legal"] * n, "visibility": ["public"] * n},
                            geometry=gpd.points_from_xy([-87.6 + i * 1e-3 for i in range(n)],
                                                        [41.8] * n), crs="EPSG:4326")


def test_visible_mask_is_one_bit_per_point_least_significant_first(demo):
    pts = prepare_asset_points(_points_frame(10), demo.area_set.areas)
    frame = _points_frame(10)
    # Points 0, 3 and 9: byte 0 = 0b00001001 = 9, byte 1 = 0b00000010 = 2.
    assert pts.visible_mask(frame.iloc[[0, 3, 9]]) == base64.b64encode(bytes([9, 2])).decode()
    assert pts.visible_mask(frame) is None  # everything shown: no mask at all
    assert pts.visible_mask(frame.iloc[[]]) == base64.b64encode(bytes([0, 0])).decode()
    stranger = _points_frame(12).iloc[[11]]
    with pytest.raises(ValueError, match="subset"):
        pts.visible_mask(stranger)


def test_asset_points_blob_holds_escaped_names_and_round_coordinates(demo):
    frame = _points_frame(3)
    frame.loc[1, "name"] = HOSTILE[0]
    rows = json.loads(prepare_asset_points(frame, demo.area_set.areas).blob.text)
    assert [r[3] for r in rows] == ["a0", "a1", "a2"]
    assert rows[1][4] == html.escape(HOSTILE[0])
    assert rows[2][:2] == [41.8, round(-87.6 + 2e-3, 5)]


def test_geometry_blob_decodes_to_the_source_areas_in_order(demo):
    area_set = demo.area_set
    prepared = prepare_areas(area_set, tolerance=0.0)
    blob = area_geometry_blob(prepared)
    data = json.loads(blob.text)
    assert data["scale"] == 100_000
    assert [a[0] for a in data["areas"]] == list(area_set.areas.index)
    for geoid, name, polys in data["areas"][:20]:
        source = area_set.areas.geometry.loc[geoid]
        back = decode(json.dumps(polys))
        assert back.symmetric_difference(source).area < source.length * 2e-5
        assert html.unescape(name) == area_set.areas.loc[geoid, "name"].split(",")[0]
    assert blob.digest == area_geometry_blob(prepared).digest  # same content, same digest


def test_live_base_is_stable_and_names_layers_as_text(demo):
    prepared = prepare_areas(demo.area_set)
    kwargs = {"leaflet_js": "l.js", "leaflet_css": "l.css", "tiles": "none"}
    a = live_base_map(prepared, **kwargs, outline_name=HOSTILE[0])
    b = live_base_map(prepared, **kwargs, outline_name=HOSTILE[0])
    assert a.key == b.key and a.script == b.script  # built twice, sent once
    overlays = [json.loads(f'"{k}"') for k in re.findall(r'"((?:[^"\\]|\\.)*)" : script_layer_',
                                                         a.script)]
    assert overlays == ["Areas", html.escape(HOSTILE[0]), "Community assets"]
    assert HOSTILE[0] not in a.script
    assert "NAM.draw(" not in a.script and a.js_links == ("l.js",)
    drawn = live_base_map(prepared, **kwargs, draw=("d.js", "d.css"))
    assert "NAM.draw(" in drawn.script and drawn.js_links == ("l.js", "d.js")
    assert drawn.key != a.key


def test_live_data_classes_follow_the_values(demo):
    area_set = demo.area_set
    prepared = prepare_areas(area_set)
    measure = compute_measure(area_set, Filters(languages=("vietnamese",)))
    frame = _points_frame(4)
    points = prepare_asset_points(frame, area_set.areas)
    data = live_map_data(prepared, area_set, measure, area_geometry_blob(prepared), points,
                         frame.iloc[[1]])
    # The area with the most limited-English Vietnamese speakers is in the top class, the
    # fewest in the first (figures read from the source table).
    ind = area_set.indicators
    counts = (ind[ind["variable"] == "lep_vietnamese"].set_index("geoid")["estimate"]
              .reindex(list(prepared.geoids)).to_numpy(dtype=float))
    k = data.style["k"]
    assert k[int(np.nanargmax(counts))] == len(data.style["colors"]) - 1
    assert k[int(np.nanargmin(counts))] == 0
    assert len(k) == len(data.style["v"]) == len(prepared.geoids)
    assert data.visible == base64.b64encode(bytes([2])).decode()
    assert "Legal aid (1)" in html.unescape(re.sub("<[^>]+>", " ", data.legend_html))


#: Colour vision simulated in linear sRGB (Machado, Oliveira and Fernandes 2009, severity 1).
VISION = {"normal": np.eye(3),
          "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                         [-0.003882, -0.048116, 1.051998]],
          "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                           [-0.011820, 0.042940, 0.968881]],
          "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                         [0.004733, 0.691367, 0.303900]]}


def _cvd_lab(hex_color: str, matrix) -> np.ndarray:
    """CIELAB of a colour as seen with a colour-vision deficiency (Machado, Oliveira and
    Fernandes 2009, severity 1, applied in linear sRGB)."""
    rgb = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(np.asarray(matrix) @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ seen / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_categories_that_look_alike_to_colour_blind_viewers_differ_in_shape():
    """Issue #17 item 3: 15 hues and one marker shape; for red- and green-blind viewers six
    pairs were nearly identical (legal aid / food: colour difference 4). Every pair closer
    than 12 (CIE76) under protanopia, deuteranopia, tritanopia or normal vision has two
    shapes."""
    import itertools

    from mapping.records.assets import CATEGORIES, MARKER_SHAPES

    close = []
    for a, b in itertools.combinations(CATEGORIES, 2):
        for name, matrix in VISION.items():
            if np.linalg.norm(_cvd_lab(a.color, matrix) - _cvd_lab(b.color, matrix)) < 12:
                close.append((a, b, name))
    assert len(close) >= 5  # the pairs the issue found are there to be told apart
    for a, b, name in close:
        assert a.shape != b.shape, f"{a.label} / {b.label} look alike ({name}), same shape"
    assert {c.shape for c in CATEGORIES} <= set(MARKER_SHAPES)


def test_no_data_stands_apart_from_every_class_for_every_viewer():
    """Issue #17 item 7: the no-data grey was within 7.4-9.8 (CIE76) of the lightest class
    for colour-blind viewers, and 1.4:1 against the legend's white."""
    from mapping.present.render import NO_DATA_COLOR, PALETTES

    for colors in PALETTES.values():
        for color in colors:
            for matrix in VISION.values():
                assert np.linalg.norm(_cvd_lab(NO_DATA_COLOR, matrix)
                                      - _cvd_lab(color, matrix)) >= 15
    rgb = np.array([int(NO_DATA_COLOR[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    luminance = float(np.dot(np.where(rgb <= 0.04045, rgb / 12.92,
                                       ((rgb + 0.055) / 1.055) ** 2.4), [0.2126, 0.7152, 0.0722]))
    assert 1.05 / (luminance + 0.05) >= 3  # WCAG non-text contrast on white


def test_a_colour_scheme_and_high_contrast_reach_the_map_and_its_legend(demo):
    """Presentation mode's display choices: ColorBrewer Purples (the five classes as
    published on colorbrewer2.org) and black area edges."""
    area_set = demo.area_set
    prepared = prepare_areas(area_set)
    measure = compute_measure(area_set, Filters())
    frame = _points_frame(2)
    points = prepare_asset_points(frame, area_set.areas)
    data = live_map_data(prepared, area_set, measure, area_geometry_blob(prepared), points,
                         frame, scheme="Purples", high_contrast=True)
    purples = ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"]
    assert data.style["colors"] == purples and data.style["edge"] == "#000000"
    assert all(f"background:{c}" in data.legend_html for c in purples)
    plain = live_map_data(prepared, area_set, measure, area_geometry_blob(prepared), points,
                          frame)
    assert plain.style["edge"] is None and plain.style["colors"][-1] == "#253494"
    with pytest.raises(ValueError, match="unknown colour scheme"):
        live_map_data(prepared, area_set, measure, area_geometry_blob(prepared), points,
                      frame, scheme="Rainbow")


def test_styles_remembered_by_content_never_show_another_measure(demo):
    """live_map_data remembers classed measures (a rerun that changes only the assets
    reuses them); going from one language to another and back, each map still puts the
    area with the most speakers (from the source table) in the top class."""
    area_set = demo.area_set
    prepared = prepare_areas(area_set)
    frame = _points_frame(2)
    points = prepare_asset_points(frame, area_set.areas)
    ind = area_set.indicators
    for language in ("vietnamese", "korean", "vietnamese", "korean"):
        measure = compute_measure(area_set, Filters(languages=(language,)))
        data = live_map_data(prepared, area_set, measure, area_geometry_blob(prepared),
                             points, frame)
        counts = (ind[ind["variable"] == f"lep_{language}"].set_index("geoid")["estimate"]
                  .reindex(list(prepared.geoids)).to_numpy(dtype=float))
        k = data.style["k"]
        assert k[int(np.nanargmax(counts))] == len(data.style["colors"]) - 1, language
        assert k[int(np.nanargmin(counts))] == 0, language
        assert "Korean" in data.legend_html if language == "korean" else \
            "Vietnamese" in data.legend_html
