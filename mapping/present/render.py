"""Folium map builders: a fast choropleth of areas, a batched layer of assets, a legend.

The payload is the performance. Geometry is prepared once per dataset
(:func:`prepare_areas`: coverage-preserving simplification, coordinates rounded to 1e-5,
GeoJSON text cached per area); each rerun only adds a few short properties per area and
a compact array of asset points. Styling and tooltips are JavaScript functions that read
those properties, so Python never loops over styles. Everything from data is escaped by
:mod:`mapping.present.escape` before it reaches the page.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import folium
import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.map import Layer
from folium.plugins import Draw
from jinja2 import Template

from mapping.analysis.filters import MeasureResult, format_value, format_values
from mapping.analysis.moe import RELIABILITY_BY_CODE
from mapping.present.escape import html_text, js_json, js_string
from mapping.records.assets import CATEGORIES, display_points
from mapping.sources.areas import AreaSet, drawable

#: ColorBrewer YlGnBu, by number of classes.
PALETTES: dict[int, tuple[str, ...]] = {
    1: ("#41b6c4",),
    2: ("#a1dab4", "#225ea8"),
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
    6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
    7: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
}
#: ColorBrewer Purples, by number of classes (another colour-blind-safe sequential scheme).
PURPLES: dict[int, tuple[str, ...]] = {
    1: ("#9e9ac8",),
    2: ("#bcbddc", "#54278f"),
    3: ("#efedf5", "#bcbddc", "#756bb1"),
    4: ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#6a51a3"),
    5: ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"),
    6: ("#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f"),
    7: ("#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486"),
}
#: The map's colour schemes (ColorBrewer sequential, readable with colour-blindness).
SCHEMES: dict[str, dict[int, tuple[str, ...]]] = {"YlGnBu": PALETTES, "Purples": PURPLES}
SCHEME_LABELS = {"YlGnBu": "Yellow-green-blue (ColorBrewer YlGnBu)",
                 "Purples": "Purples (ColorBrewer)"}
#: Area edges in the high-contrast display (the default is thin white).
HIGH_CONTRAST_EDGE = "#000000"
NO_DATA_COLOR = "#8c8c8c"  # far from every class for colour-blind viewers; 3.4:1 on white
COORDINATE_DECIMALS = 5  # about 1 m


@dataclass(frozen=True, eq=False)
class PreparedAreas:
    """Per-dataset map geometry, computed once and reused by every rerun.

    ``geometry_codes[i]`` is the simplified geometry of ``geoids[i]`` as delta-encoded
    integer coordinates (see :func:`encode_geometry`); areas with no shape are left out
    (they still count in tables).
    """

    geoids: tuple[str, ...]
    geometry_codes: tuple[str, ...]
    names_html: tuple[str, ...]
    bounds: tuple[tuple[float, float], tuple[float, float]]  # ((south, west), (north, east))
    tolerance: float


def simplify_tolerance(areas: gpd.GeoDataFrame) -> float:
    """Return a simplification tolerance in degrees suited to the areas' sizes.

    About 2% of the side of a median area, between 0.00005 (5 m) and 0.002 degrees:
    invisible at the zoom a person views such an area, large for the payload.
    """
    # Degrees on purpose: the tolerance is applied to longitude/latitude coordinates.
    sizes = np.sqrt(shapely.area(areas.geometry[drawable(areas.geometry)].to_numpy()))
    if sizes.size == 0:
        return 0.0001
    return float(np.clip(np.median(sizes) * 0.02, 0.00005, 0.002))


def prepare_areas(area_set: AreaSet, *, tolerance: float | None = None) -> PreparedAreas:
    """Return map-ready geometry for an area set (cache the result per dataset).

    Uses :func:`shapely.coverage_simplify`, which simplifies the shared edges once so the
    coverage keeps no gaps or overlaps (simplifying each polygon alone opens slivers).
    """
    areas = area_set.areas
    mask = drawable(areas.geometry)
    shown = areas.loc[mask]
    tol = simplify_tolerance(shown) if tolerance is None else tolerance
    geoms = shown.geometry.to_numpy()
    try:
        simplified = shapely.coverage_simplify(geoms, tol)
    except shapely.errors.GEOSException:
        # Not a valid coverage (overlapping input): fall back to topology-preserving simplify.
        simplified = shapely.simplify(geoms, tol, preserve_topology=True)
    simplified = np.where(shapely.is_empty(simplified), geoms, simplified)
    codes = tuple(encode_geometry(g) for g in simplified)
    names = _short_names(shown["name"].astype(str).tolist())
    west, south, east, north = shown.total_bounds
    return PreparedAreas(geoids=tuple(shown.index), geometry_codes=codes,
                         names_html=tuple(html_text(n) for n in names),
                         bounds=((float(south), float(west)), (float(north), float(east))),
                         tolerance=tol)


def encode_geometry(geometry: shapely.Geometry) -> str:
    """Return a (multi)polygon as compact JSON: rings of delta-encoded integer coordinates.

    Coordinates are rounded to :data:`COORDINATE_DECIMALS` and scaled to integers; each
    ring is ``[x0, y0, dx1, dy1, ...]``; the geometry is a list of polygons, each a list
    of rings. Neighbouring vertices differ by a few metres, so most numbers have two or
    three digits: about half the text of GeoJSON. ``decodeGeometry`` in the map's
    JavaScript turns it back into GeoJSON.

    Examples
    --------
    >>> encode_geometry(shapely.box(0, 0, 0.00002, 0.00001))
    '[[[2,0,0,1,-2,0,0,-1,2,0]]]'
    """
    scale = 10**COORDINATE_DECIMALS
    polygons = shapely.get_parts(geometry)
    out = []
    for poly in polygons:
        rings = [poly.exterior, *poly.interiors]
        encoded = []
        for ring in rings:
            xy = np.rint(np.asarray(ring.coords)[:, :2] * scale).astype(np.int64)
            deltas = np.vstack([xy[:1], np.diff(xy, axis=0)])
            keep = np.any(deltas != 0, axis=1)
            keep[0] = True
            encoded.append(",".join(map(str, deltas[keep].ravel().tolist())))
        out.append("[" + ",".join(f"[{r}]" for r in encoded) + "]")
    return "[" + ",".join(out) + "]"


def _short_names(names: list[str]) -> list[str]:
    """Drop a suffix every name shares (", Cook County, Illinois") to keep tooltips short."""
    if len(names) < 2:
        return names
    tails = {n.split(",", 1)[1] if "," in n else None for n in names}
    if len(tails) == 1 and None not in tails:
        return [n.split(",", 1)[0] for n in names]
    return names


@dataclass(frozen=True)
class Classes:
    """Class breaks of a choropleth: upper bounds and the class index of each value (-1: none)."""

    upper_bounds: tuple[float, ...]
    index: np.ndarray
    minimum: float
    scheme: str = "YlGnBu"

    @property
    def colors(self) -> tuple[str, ...]:
        """The colour of each class (in the classes' colour scheme, see :data:`SCHEMES`)."""
        return SCHEMES[self.scheme][max(1, len(self.upper_bounds))]


def classify(values: np.ndarray, *, k: int = 5, scheme: str = "YlGnBu") -> Classes:
    """Return quantile classes of the finite values (at most ``k``; fewer if few distinct),
    coloured in ``scheme`` (a key of :data:`SCHEMES`; an unknown one is refused)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown colour scheme {scheme!r}")
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    index = np.full(v.shape, -1, dtype=int)
    if not finite.any():
        return Classes((), index, float("nan"), scheme)
    distinct = np.unique(v[finite])
    k = int(min(k, max(PALETTES)))
    if len(distinct) <= k:
        bins = tuple(float(b) for b in distinct)  # one class per value
    else:
        bins = tuple(float(b) for b in np.unique(mapclassify.Quantiles(v[finite], k=k).bins))
    index[finite] = np.searchsorted(np.asarray(bins), v[finite], side="left")
    return Classes(bins, np.minimum(index, len(bins) - 1), float(distinct[0]), scheme)


class FastMap(folium.Map):
    """A folium map that loads only Leaflet itself (from a local copy or a pinned CDN URL).

    Folium's default page also pulls jQuery, Bootstrap, Font Awesome and marker plugins
    that these maps never use.
    """

    def __init__(self, *, leaflet_js: str, leaflet_css: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.default_js = [("leaflet", leaflet_js)]
        self.default_css = [("leaflet_css", leaflet_css)]


class _ScriptLayer(Layer):
    """A layer whose JavaScript is prepared in Python (already escaped) and inserted as is.

    ``name`` is text: Leaflet's layer control inserts a layer's name as HTML, so it is
    escaped here, where it enters folium, and no caller can forget it.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = {{ this.js }};
{% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
{% endmacro %}
""")

    def __init__(self, js: str, *, name: str, show: bool = True) -> None:
        super().__init__(name=html_text(name), overlay=True, control=True, show=show)
        self._name = "ScriptLayer"
        self.js = js


class _Legend(MacroElement):
    _template = Template("""
{% macro script(this, kwargs) %}
(function(){
  var legend = L.control({position: 'bottomright'});
  legend.onAdd = function() {
    var div = L.DomUtil.create('div', 'nam-legend');
    div.innerHTML = {{ this.html_js }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  legend.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

    def __init__(self, legend_html: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.html_js = js_string(legend_html)


_AREA_JS = """(function(){
  var colors = %(colors)s, noData = %(no_data)s, label = %(label)s;
  var rel = %(reliability)s, selected = null, scale = %(scale)s;
  function decodeGeometry(polys) {
    return {type: 'MultiPolygon', coordinates: polys.map(function(rings) {
      return rings.map(function(r) {
        var out = [], x = 0, y = 0;
        for (var i = 0; i < r.length; i += 2) { x += r[i]; y += r[i + 1]; out.push([x / scale, y / scale]); }
        return out;
      });
    })};
  }
  var data = %(data)s;
  var features = data.map(function(d) {
    return {type: 'Feature', geometry: decodeGeometry(d[0]), properties: d[1]};
  });
  function style(f) {
    var p = f.properties;
    var s = {weight: 0.5, color: '#ffffff', opacity: 0.9, fillOpacity: 0.75,
             fillColor: p.k < 0 ? noData : colors[p.k]};
    if (p.r === 2) { s.color = '#3b3b3b'; s.weight = 1.4; s.dashArray = '3 3'; s.fillOpacity = 0.3; }
    return s;
  }
  var layer = L.geoJson({type: 'FeatureCollection', features: features}, {
    style: style,
    onEachFeature: function(f, l) {
      l.bindTooltip(function() {
        var p = f.properties;
        return '<b>' + p.n + '</b><br>' + label + ': <b>' + p.v + '</b>' +
          (p.m ? ' &plusmn; ' + p.m : '') + '<br><i>' + rel[p.r] + '</i>';
      }, {sticky: true});
      l.on('click', function() {
        if (selected) { layer.resetStyle(selected); }
        selected = l; l.setStyle({color: '#d7301f', weight: 3, dashArray: null});
        l.bringToFront();
      });
    }
  });
  return layer;
})()"""

_ASSET_JS = """(function(){
  var cats = %(categories)s, pts = %(points)s;
  var group = L.featureGroup();
  for (var i = 0; i < pts.length; i++) {
    var p = pts[i], c = cats[p[2]];
    var m = L.circleMarker([p[0], p[1]], {radius: 5, color: '#1b1b1b', weight: 1,
                                          fillColor: c[1], fillOpacity: 0.95});
    m.feature = {type: 'Feature', properties: {a: p[3]}, geometry: null};
    m.bindTooltip('<b>' + p[4] + '</b><br>' + c[0] +
                  (p[5] ? '<br><i>approximate location (sensitive site)</i>' : ''));
    group.addLayer(m);
  }
  return group;
})()"""


@dataclass(frozen=True)
class AreaStyle:
    """What a map shows per area on one rerun, in the order of ``PreparedAreas.geoids``.

    ``values_html`` and ``margins_html`` are formatted and escaped; ``classes`` holds each
    area's class index (-1: no data); ``reliability`` its reliability code.
    """

    values_html: list[str]
    margins_html: list[str]
    classes: list[int]
    reliability: list[int]


def _escaped(texts: list[str]) -> list[str]:
    """:func:`html_text` of each text, in one pass over them joined (a call per area cost
    more than formatting); the joint never appears in a formatted figure.

    >>> _escaped(["1,234", "<b>", ""])
    ['1,234', '&lt;b&gt;', '']
    """
    joint = "\x1f"
    joined = joint.join(texts)
    if joined.count(joint) != max(len(texts) - 1, 0):
        return [html_text(t) for t in texts]
    return html_text(joined).split(joint) if texts else []


def area_style(prepared: PreparedAreas, measure: MeasureResult, classes: Classes) -> AreaStyle:
    """Return the per-area figures a map draws for ``measure``, aligned with ``prepared``."""
    position = measure.values.index.get_indexer(list(prepared.geoids))
    values = measure.values.to_numpy(dtype=float)[position]
    cols = {c: i for i, c in enumerate(measure.values.columns)}
    shown = _escaped(format_values(values[:, cols["value"]], measure.kind))
    margins = _escaped(format_values(values[:, cols["value_moe"]], measure.kind, missing=""))
    return AreaStyle(values_html=shown, margins_html=margins,
                     classes=classes.index[position].tolist(),
                     reliability=values[:, cols["reliability"]].astype(int).tolist())


def area_features_json(prepared: PreparedAreas, measure: MeasureResult, classes: Classes) -> str:
    """Return the areas as a JSON array of ``[encoded geometry, properties]`` (text).

    Properties: ``g`` geoid, ``n`` name (escaped), ``v`` value and ``m`` margin as text,
    ``k`` class index (-1 no data), ``r`` reliability code.
    """
    style = area_style(prepared, measure, classes)
    parts = []
    for i, gid in enumerate(prepared.geoids):
        props = {"g": gid, "n": prepared.names_html[i], "v": style.values_html[i],
                 "m": style.margins_html[i], "k": style.classes[i], "r": style.reliability[i]}
        parts.append(f"[{prepared.geometry_codes[i]},{js_json(props)}]")
    return "[" + ",".join(parts) + "]"


def asset_points_json(assets: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> str:
    """Return assets as a compact JSON array ``[lat, lon, category, id, name, approx]``.

    Sensitive sites are placed at their area's centre (see
    :func:`mapping.records.assets.display_points`) and flagged so the tooltip says so.
    """
    if assets.empty:
        return "[]"
    points = display_points(assets, areas)
    cat_index = {c.key: i for i, c in enumerate(CATEGORIES)}
    rows = [[round(p.y, COORDINATE_DECIMALS), round(p.x, COORDINATE_DECIMALS),
             cat_index[cat], str(aid), html_text(name), 1 if vis == "sensitive" else 0]
            for p, cat, aid, name, vis in zip(points, assets["category"], assets["asset_id"],
                                               assets["name"], assets["visibility"], strict=True)]
    return js_json(rows)


#: Each marker shape as an SVG path in a 12 x 12 box (the live map draws the same shapes).
_SHAPE_PATHS = {
    "circle": "M6,1.5A4.5,4.5 0 1 1 5.99,1.5Z",
    "square": "M2,2H10V10H2Z",
    "triangle": "M6,1.2L10.8,10H1.2Z",
    "diamond": "M6,0.8L11.2,6L6,11.2L0.8,6Z",
    "wedge": "M1.2,2H10.8L6,10.8Z",
}


def marker_svg(shape: str, color: str) -> str:
    """Return an inline SVG of a marker (shape and colour), for legends.

    >>> marker_svg("square", "#e6194b")[:40]
    '<svg class="dot" width="12" height="12" '
    """
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        raise ValueError(f"not a colour: {color!r}")
    return (f'<svg class="dot" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">'
            f'<path d="{_SHAPE_PATHS[shape]}" fill="{color}" stroke="#1b1b1b" '
            'stroke-width="1"/></svg>')


def legend_html(measure: MeasureResult, classes: Classes, *, source: str, year: str,
                synthetic: bool, asset_counts: Sequence[tuple[str, int]] = ()) -> str:
    """Return the legend's markup: what is shown, the classes, reliability, source and year.

    Every piece of text is escaped here; the result is markup (hence ``_html``).
    """
    rows = []
    lower = classes.minimum
    for color, upper in zip(classes.colors, classes.upper_bounds, strict=False):
        text = f"{format_value(lower, measure.kind)} – {format_value(upper, measure.kind)}"
        rows.append(f'<div><span class="sw" style="background:{color}"></span>{html_text(text)}'
                    "</div>")
        lower = upper
    rows.append(f'<div><span class="sw" style="background:{NO_DATA_COLOR}"></span>'
                f"{html_text(measure.no_data_label)}</div>")
    if measure.kind == "derived":
        rows.append("<div><i>Computed by the analysis; the table beside the map gives the "
                    "reliability of the estimates it uses.</i></div>")
    elif measure.has_moe:
        rows.append('<div><span class="sw unrel"></span>unreliable estimate (its margin of '
                    "error is large next to it): dashed, faded</div>")
    else:
        rows.append("<div><i>No margins of error in this source: reliability unknown.</i></div>")
    unit = f" ({html_text(measure.unit)})" if measure.unit else ""
    parts = []
    if synthetic:
        parts.append('<div class="synthetic">SYNTHETIC DEMO DATA - not real people</div>')
    parts.append(f"<b>{html_text(measure.label)}</b>{unit}")
    parts.extend(rows)
    if asset_counts:
        by_label = {c.label: c for c in CATEGORIES}
        total = sum(count for _, count in asset_counts)
        parts.append(f"<details><summary><b>Community assets ({total:,})</b></summary>")
        for label, count in asset_counts:
            cat = by_label.get(label)
            symbol = marker_svg(cat.shape, cat.color) if cat else marker_svg("circle", "#999")
            parts.append(f"<div>{symbol}{html_text(label)} ({count:,})</div>")
        parts.append("</details>")
    parts.append(f'<div class="src">Source: {html_text(source)}'
                 f"{', ' + html_text(year) if year else ''}</div>")
    style = ("<style>.nam-legend{background:rgba(255,255,255,.93);padding:6px 8px;font:12px/1.35 "
             "sans-serif;max-height:45vh;max-width:270px;overflow:auto;border-radius:4px;"
             "box-shadow:0 0 4px rgba(0,0,0,.3)}.nam-legend .sw{display:inline-block;width:14px;"
             "height:11px;margin-right:5px;border:1px solid #595959;vertical-align:middle}"
             ".nam-legend .unrel{border:1.5px dashed #3b3b3b;background:#eee}"
             ".nam-legend .dot{display:inline-block;width:12px;height:12px;margin-right:5px;"
             "vertical-align:middle}"
             ".nam-legend .src{margin-top:4px;color:#555;font-size:11px}"
             ".nam-legend .synthetic{background:#b30000;color:#fff;font-weight:bold;"
             "padding:2px 4px;margin-bottom:4px}</style>")
    return style + "".join(parts)


_OUTLINE_JS = """(function(){
  return L.geoJson(%(data)s, {
    style: function() { return {color: '#d7301f', weight: 2.2, fill: false, opacity: 0.9}; },
    onEachFeature: function(f, l) { l.bindTooltip(f.properties.label_html, {sticky: true}); }
  });
})()"""


def outlines_json(outlines: gpd.GeoDataFrame) -> str:
    """Return outlines (column ``label``) as GeoJSON text, rounded to 1e-5 degrees, labels escaped."""
    rounded = shapely.transform(outlines.geometry.to_numpy(),
                                lambda c: np.round(c, COORDINATE_DECIMALS))
    feats = [f'{{"type":"Feature","geometry":{g},"properties":{js_json({"label_html": html_text(t)})}}}'
             for g, t in zip(shapely.to_geojson(rounded).tolist(), outlines["label"], strict=True)]
    return '{"type":"FeatureCollection","features":[' + ",".join(feats) + "]}"


def build_map(prepared: PreparedAreas, area_set: AreaSet, measure: MeasureResult,
              assets: gpd.GeoDataFrame, *, leaflet_js: str, leaflet_css: str,
              tiles: str = "OpenStreetMap", classes: int = 5,
              outlines: gpd.GeoDataFrame | None = None, outline_name: str = "Outlines",
              draw: tuple[str, str] | None = None, scheme: str = "YlGnBu") -> folium.Map:
    """Return the dashboard map: choropleth of ``measure``, asset points, legend.

    Build a new map on every rerun (cheap: the geometry text is cached in ``prepared``);
    never cache the map object across browser sessions. ``outlines`` (a ``label`` column
    and polygons) are drawn as red boundaries on top, e.g. branch service areas. ``draw``
    (the js and css URLs of Leaflet.draw) adds a tool to draw a polygon or rectangle.
    """
    m = FastMap(leaflet_js=leaflet_js, leaflet_css=leaflet_css, tiles=None,
                prefer_canvas=True, control_scale=True)
    if tiles != "none":
        folium.TileLayer(tiles, name="Basemap").add_to(m)
    m.fit_bounds([list(prepared.bounds[0]), list(prepared.bounds[1])])
    breaks = classify(measure.values["value"].to_numpy(), k=classes, scheme=scheme)
    area_js = _AREA_JS % {
        "colors": js_json(list(breaks.colors)),
        "no_data": js_string(NO_DATA_COLOR),
        "label": js_string(html_text(measure.label)),
        "reliability": js_json([RELIABILITY_BY_CODE[i].value for i in range(4)]),
        "data": area_features_json(prepared, measure, breaks),
        "scale": str(10**COORDINATE_DECIMALS),
    }
    _ScriptLayer(area_js, name=f"Areas: {measure.label}"[:80]).add_to(m)
    if outlines is not None and len(outlines):
        _ScriptLayer(_OUTLINE_JS % {"data": outlines_json(outlines)}, name=outline_name).add_to(m)
    counts: list[tuple[str, int]] = []
    if not assets.empty:
        cat_js = js_json([[html_text(c.label), c.color] for c in CATEGORIES])
        _ScriptLayer(_ASSET_JS % {"categories": cat_js,
                                  "points": asset_points_json(assets, area_set.areas)},
                     name=f"Community assets ({len(assets):,})").add_to(m)
        tally = assets["category"].value_counts()
        counts = [(c.label, int(tally[c.key])) for c in CATEGORIES if c.key in tally.index]
    _Legend(legend_html(measure, breaks, source=area_set.source, year=area_set.year,
                        synthetic=area_set.synthetic, asset_counts=counts)).add_to(m)
    if draw is not None:
        tool = Draw(export=False, draw_options={
            "polyline": False, "circle": False, "marker": False, "circlemarker": False,
            "polygon": {"allowIntersection": False}, "rectangle": True},
            edit_options={"edit": False, "remove": True})
        tool.default_js = [("leaflet_draw_js", draw[0])]
        tool.default_css = [("leaflet_draw_css", draw[1])]
        tool.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


# --- The live map: the base sent once, data once per digest, only changes per rerun ---------

#: Name of the map variable in the live base script (folium calls it ``map_<id>``).
LIVE_MAP_NAME = "map_nam"


@dataclass(frozen=True)
class LiveBase:
    """The part of a live map built once per dataset and page: folium's script and markup.

    The script creates the map (tiles, scale, extent, layer control) and empty layers
    through the component's ``NAM`` functions; data reaches them later (see
    :class:`LiveData`). ``key`` changes whenever any of it does.
    """

    key: str
    script: str
    html: str
    js_links: tuple[str, ...]
    css_links: tuple[str, ...]

    def as_args(self) -> dict[str, object]:
        """Return the base as the component expects it."""
        return {"key": self.key, "script": self.script, "html": self.html,
                "map_name": LIVE_MAP_NAME, "js_links": list(self.js_links),
                "css_links": list(self.css_links)}


class _LiveCall(MacroElement):
    """A call of the component's ``NAM.<function>(map)`` at the place of this element."""

    _template = Template("""
{% macro script(this, kwargs) %}
NAM.{{ this.function }}({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, function: str) -> None:
        super().__init__()
        self._name = "LiveCall"
        self._id = function
        self.function = function


def live_base_map(prepared: PreparedAreas, *, leaflet_js: str, leaflet_css: str,
                  tiles: str = "OpenStreetMap", draw: tuple[str, str] | None = None,
                  outline_name: str | None = None) -> LiveBase:
    """Return the base of a live map over ``prepared`` (build once per dataset and page).

    Folium builds it: the map fitted to the areas, the basemap, a scale, the layers
    (areas; outlines when ``outline_name`` is given; community assets), the legend, the
    drawing tool when ``draw`` (Leaflet.draw's js and css URLs) is given, and the layer
    control. Element ids are fixed so the same inputs give the same script.
    """
    m = FastMap(leaflet_js=leaflet_js, leaflet_css=leaflet_css, tiles=None,
                prefer_canvas=True, control_scale=True)
    m._id = LIVE_MAP_NAME.removeprefix("map_")
    if tiles != "none":
        tile = folium.TileLayer(tiles, name="Basemap")
        tile._id = "basemap"
        tile.add_to(m)
    m.fit_bounds([list(prepared.bounds[0]), list(prepared.bounds[1])])
    layers = [("areas", "NAM.areaLayer()", "Areas")]
    if outline_name:
        layers.append(("outlines", "NAM.outlineLayer()", outline_name))
    layers.append(("assets", "NAM.assetLayer()", "Community assets"))
    for ident, js, name in layers:
        layer = _ScriptLayer(js, name=name)
        layer._id = ident
        layer.add_to(m)
    _LiveCall("legend").add_to(m)
    js_links, css_links = [leaflet_js], [leaflet_css]
    if draw is not None:
        _LiveCall("draw").add_to(m)
        js_links.append(draw[0])
        css_links.append(draw[1])
    control = folium.LayerControl(collapsed=True)
    control._id = "layers"
    control.add_to(m)
    root = m.get_root()
    root.render()
    script, html = root.script.render(), root.html.render()
    key = hashlib.sha256("\n".join([script, html, *js_links, *css_links]).encode()).hexdigest()
    return LiveBase(key=key[:16], script=script, html=html, js_links=tuple(js_links),
                    css_links=tuple(css_links))


@dataclass(frozen=True)
class Blob:
    """A large piece of map data (JSON text) and the digest the browser keeps it under."""

    digest: str
    text: str

    @classmethod
    def of(cls, text: str) -> Blob:
        """Wrap ``text`` with its content digest."""
        return cls(hashlib.sha256(text.encode()).hexdigest()[:20], text)


def area_geometry_blob(prepared: PreparedAreas) -> Blob:
    """Return the areas' geometry and names, sent to a browser once per dataset.

    ``{"scale": s, "areas": [[geoid, name (escaped), encoded geometry], ...]}`` in the
    order of ``prepared.geoids``; see :func:`encode_geometry`.
    """
    parts = [f"[{js_json(g)},{js_json(n)},{code}]"
             for g, n, code in zip(prepared.geoids, prepared.names_html, prepared.geometry_codes,
                                   strict=True)]
    return Blob.of(f'{{"scale":{10**COORDINATE_DECIMALS},"areas":[{",".join(parts)}]}}')


@dataclass(frozen=True, eq=False)
class AssetPoints:
    """Every asset a map may show, as one blob; each rerun picks the visible ones by mask."""

    ids: pd.Index
    blob: Blob

    def visible_mask(self, shown: gpd.GeoDataFrame) -> str | None:
        """Return which points ``shown`` keeps, as a base64 bit mask; ``None`` when all are.

        Bit ``i`` (least significant first in each byte) is point ``i`` of the blob.
        A hash lookup per shown asset (``np.isin`` on strings is quadratic: 23 s at 50,000).

        Raises
        ------
        ValueError
            If ``shown`` holds an asset that is not in the blob.
        """
        shown_ids = shown["asset_id"].astype(str).to_numpy(dtype=object)
        if len(shown_ids) == len(self.ids) and (shown_ids == self.ids.to_numpy()).all():
            return None  # all of them, in order (no filter): skip the lookup
        position = self.ids.get_indexer(shown_ids)
        if (position < 0).any():
            raise ValueError("shown assets are not a subset of the prepared points")
        keep = np.zeros(len(self.ids), dtype=bool)
        keep[position] = True
        if keep.all():
            return None
        return base64.b64encode(np.packbits(keep, bitorder="little").tobytes()).decode("ascii")


def prepare_asset_points(assets: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> AssetPoints:
    """Return the points of ``assets`` for a live map (cache per asset table)."""
    return AssetPoints(ids=pd.Index(assets["asset_id"].astype(str), dtype=object),
                       blob=Blob.of(asset_points_json(assets, areas)))


def outline_blob(outlines: gpd.GeoDataFrame | None) -> Blob | None:
    """Return outlines (column ``label``) as a blob, or ``None`` when there are none."""
    if outlines is None or not len(outlines):
        return None
    return Blob.of(outlines_json(outlines))


#: The last few classed and styled measures, by content (a rerun that changes only the
#: assets shown, or that comes back to a view seen a moment ago, reuses them). Bounded:
#: each holds two strings per area.
_STYLES: OrderedDict[tuple[object, ...], tuple[PreparedAreas, Classes, AreaStyle]] = \
    OrderedDict()
_STYLES_LOCK = threading.Lock()
STYLES_KEPT = 8


def _styled(prepared: PreparedAreas, measure: MeasureResult, k: int, scheme: str
            ) -> tuple[Classes, AreaStyle]:
    """:func:`classify` and :func:`area_style` of a measure, remembered by its content."""
    figures = measure.values[["value", "value_moe", "reliability"]].to_numpy(dtype=float)
    digest = hashlib.blake2b(np.ascontiguousarray(figures).tobytes(), digest_size=16)
    digest.update(pd.util.hash_pandas_object(measure.values.index).to_numpy().tobytes())
    key = (id(prepared), measure.kind, k, scheme, digest.hexdigest())
    with _STYLES_LOCK:
        hit = _STYLES.get(key)
        if hit is not None and hit[0] is prepared:
            _STYLES.move_to_end(key)
            return hit[1], hit[2]
    breaks = classify(measure.values["value"].to_numpy(), k=k, scheme=scheme)
    style = area_style(prepared, measure, breaks)
    with _STYLES_LOCK:
        _STYLES[key] = (prepared, breaks, style)
        while len(_STYLES) > STYLES_KEPT:
            _STYLES.popitem(last=False)
    return breaks, style


@dataclass(frozen=True)
class LiveData:
    """What a live map shows on one rerun: blobs by name, and the small per-rerun parts."""

    blobs: dict[str, Blob | None]
    style: dict[str, object]
    visible: str | None
    legend_html: str
    categories: list[list[str]]
    title: str = "Map"  # the map frame's accessible name (plain text)


def live_map_data(prepared: PreparedAreas, area_set: AreaSet, measure: MeasureResult,
                  geometry: Blob, points: AssetPoints, shown: gpd.GeoDataFrame, *,
                  classes: int = 5, outlines: Blob | None = None, scheme: str = "YlGnBu",
                  high_contrast: bool = False) -> LiveData:
    """Return the data of a live map: ``measure`` by area, the ``shown`` subset of ``points``.

    ``geometry`` is :func:`area_geometry_blob` of ``prepared`` and ``points``
    :func:`prepare_asset_points` of a table ``shown`` is a subset of (both cached by
    the caller, so a rerun computes only the style, the mask and the legend).
    ``scheme`` colours the classes; ``high_contrast`` draws black area edges and opaque
    fills (presentation mode, projectors).
    """
    breaks, style = _styled(prepared, measure, classes, scheme)
    counts: list[tuple[str, int]] = []
    if len(shown):
        tally = shown["category"].value_counts()
        counts = [(c.label, int(tally[c.key])) for c in CATEGORIES if c.key in tally.index]
    legend = legend_html(measure, breaks, source=area_set.source, year=area_set.year,
                         synthetic=area_set.synthetic, asset_counts=counts)
    return LiveData(
        blobs={"areas": geometry, "assets": points.blob, "outlines": outlines},
        style={"label_html": html_text(measure.label), "colors": list(breaks.colors),
               "no_data": NO_DATA_COLOR,
               "reliability_html": [html_text(RELIABILITY_BY_CODE[i].value) for i in range(4)],
               "k": style.classes, "v": style.values_html, "m": style.margins_html,
               "r": style.reliability, "edge": HIGH_CONTRAST_EDGE if high_contrast else None},
        visible=points.visible_mask(shown),
        legend_html=legend,
        categories=[[html_text(c.label), c.color, c.shape] for c in CATEGORIES],
        title=f"Map of {measure.label} by area, with {len(shown):,} community assets "
              "(the same figures are in the table below the map)")
