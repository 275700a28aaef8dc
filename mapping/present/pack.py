"""The meeting pack: map images, one-page PDF profiles, a PowerPoint deck and a standalone
interactive map, made on the server so they look the same everywhere and open without the
app or the internet.

Libraries, each a well-kept one for its format:

- **matplotlib** draws the static maps and charts (GeoPandas plots onto its axes). Its Agg,
  PDF and SVG back-ends need no display and no browser; figures are made with
  :class:`matplotlib.figure.Figure`, never ``pyplot``, so sessions do not share state.
- **ReportLab** lays out the PDF profile: a pure-Python wheel with no system libraries
  (WeasyPrint needs Pango and its fonts from the system).
- **python-pptx** writes the deck.
- The standalone map is the dashboard's own folium map (:func:`~mapping.present.render.build_map`)
  with Leaflet's script, style sheet and images inlined.

Text from data is never read as markup: matplotlib's math mode is turned off for it,
ReportLab's paragraphs get it escaped, the HTML map escapes it as the app does.
Sensitive sites are drawn where the app draws them (their area's centre), never at their
exact point.
"""

from __future__ import annotations

import base64
import io
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, StrMethodFormatter
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from mapping.analysis.community import CommunityProfile
from mapping.analysis.filters import MeasureResult, format_value, reliability_line
from mapping.analysis.moe import RELIABILITY_BY_CODE, RELIABILITY_COLORS
from mapping.present.basemap import EARTH_RADIUS, fetch_basemap
from mapping.present.escape import html_text
from mapping.present.render import (
    HIGH_CONTRAST_EDGE,
    NO_DATA_COLOR,
    build_map,
    classify,
    prepare_areas,
)
from mapping.records.assets import CATEGORIES, display_points
from mapping.sources.areas import AreaSet, drawable

matplotlib.rcParams["svg.fonttype"] = "none"  # SVG text stays text (searchable, editable)

_MARKERS = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D", "wedge": "v"}
MERCATOR = 3857  # the live map's projection (and the tiles')
_SELECTED = "#d7301f"
_BACKGROUND = "#eef0f2"  # a neutral background where a basemap would be (offline)
#: The live map's size in pixels that a saved centre and zoom are read against.
VIEW_PIXELS = (1000, 660)
APP_NAME = "Newcomer Asset Map"


def _plain(text: object) -> str:
    """Text from data for matplotlib: ``$`` would start math mode."""
    return str(text).replace("$", r"\$")


@dataclass(frozen=True)
class MapRequest:
    """What a static map shows (one view of the app)."""

    area_set: AreaSet
    measure: MeasureResult
    assets: gpd.GeoDataFrame  # the assets to draw (the view's filters applied)
    title: str
    selected_area: str | None = None
    outline: shapely.Geometry | None = None  # a drawn shape or a selection, WGS84
    view: dict[str, float] | None = None  # centre and zoom of the live map
    basemap: str = ""  # an XYZ tile address for the basemap; empty: none
    scheme: str = "YlGnBu"
    high_contrast: bool = False
    made: date = field(default_factory=date.today)

    @property
    def source_line(self) -> str:
        """Source, year and when the picture was made."""
        year = f", {self.area_set.year}" if self.area_set.year else ""
        return (f"Source: {self.area_set.source}{year}. Boundaries: {self.area_set.title}. "
                f"Made {self.made:%Y-%m-%d} with {APP_NAME}.")


def view_bounds(view: dict[str, float], pixels: tuple[int, int] = VIEW_PIXELS
                ) -> tuple[float, float, float, float]:
    """The longitude/latitude box a Web Mercator map of ``pixels`` shows at a centre and zoom.

    >>> [round(v, 3) for v in view_bounds({"lat": 0.0, "lng": 0.0, "zoom": 10}, (256, 256))]
    [-0.176, -0.176, 0.176, 0.176]
    """
    scale = 256 * 2 ** view["zoom"]  # pixels around the world
    half_x = pixels[0] / 2 / scale * 360
    y = np.log(np.tan(np.pi / 4 + np.radians(view["lat"]) / 2))  # Mercator
    half_y = pixels[1] / 2 / scale * 2 * np.pi
    south = np.degrees(2 * np.arctan(np.exp(y - half_y)) - np.pi / 2)
    north = np.degrees(2 * np.arctan(np.exp(y + half_y)) - np.pi / 2)
    return (view["lng"] - half_x, float(south), view["lng"] + half_x, float(north))


def _nice_length(span_m: float) -> float:
    """A round length near a fifth of ``span_m`` (1, 2 or 5 times a power of ten).

    >>> _nice_length(10_000), _nice_length(73_000), _nice_length(2_600)
    (2000.0, 10000.0, 500.0)
    """
    target = span_m / 5
    power = 10 ** np.floor(np.log10(target))
    return float(max(m * power for m in (1, 2, 5) if m * power <= target))


def map_figure(request: MapRequest, *, size: tuple[float, float] = (11.0, 7.0)) -> Figure:
    """The view as a static map, in Web Mercator like the live map: areas coloured by class
    (the live map's classes and colours), unreliable estimates hatched, the assets, a
    legend, title, scale bar, source and date; over the basemap when one is configured
    and answers, else on a neutral background (said in the footer)."""
    r = request
    areas = r.area_set.areas.loc[drawable(r.area_set.areas.geometry)]
    shown = areas.to_crs(MERCATOR)
    values = r.measure.values.reindex(shown.index)
    classes = classify(r.measure.values["value"].to_numpy(), scheme=r.scheme)
    by_geoid = pd.Series(classes.index, index=r.measure.values.index).reindex(shown.index)
    colors = np.array((*classes.colors, NO_DATA_COLOR))
    k = by_geoid.fillna(-1).to_numpy(int)
    fill = colors[np.where(k < 0, len(classes.colors), k)]
    fig = Figure(figsize=size, dpi=100, facecolor="white")
    ax = fig.add_axes((0.02, 0.13, 0.70, 0.75))
    ax.set_facecolor(_BACKGROUND)
    x0, x1, y0, y1 = _limits(ax, r, areas)
    footer = [r.source_line, reliability_line(r.measure, unreliable_drawn="hatched")]
    base = None
    if r.basemap:
        base = fetch_basemap((x0, y0, x1, y1), template=r.basemap,
                             pixels=int(size[0] * 0.7 * 150))
        footer.append(base.attribution if base else
                      "No basemap: its tile service did not answer (offline?); areas are "
                      "drawn on a neutral background.")
    if base is not None:
        west, south, east, north = base.extent
        ax.imshow(base.image, extent=(west, east, south, north), zorder=0,
                  interpolation="bilinear")
    edge = HIGH_CONTRAST_EDGE if r.high_contrast else "#ffffff"
    shown.plot(ax=ax, color=fill, edgecolor=edge, linewidth=0.8 if r.high_contrast else 0.3,
               alpha=0.75 if base is not None and not r.high_contrast else 1.0, zorder=1)
    unreliable = (values["reliability"].fillna(0).astype(int) == 2).to_numpy()
    if unreliable.any():
        shown[unreliable].plot(ax=ax, facecolor="none", edgecolor="#3b3b3b", hatch="////",
                               linewidth=0.4, zorder=2)
    if r.selected_area and r.selected_area in shown.index:
        shown.loc[[r.selected_area]].boundary.plot(ax=ax, color=_SELECTED, linewidth=2.6,
                                                   zorder=3)
    if r.outline is not None and not r.outline.is_empty:
        gpd.GeoSeries([r.outline], crs=4326).to_crs(MERCATOR).boundary.plot(
            ax=ax, color=_SELECTED, linewidth=2.2, zorder=3)
    handles = _class_handles(r.measure, classes, unreliable.any())
    handles += _draw_assets(ax, r.assets, r.area_set.areas)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    for spine in ax.spines.values():
        spine.set_color("#9a9a9a")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    # Web Mercator stretches distances by 1 / cos(latitude): the bar is true at the centre.
    stretch = 1 / math.cos(2 * math.atan(math.exp((y0 + y1) / 2 / EARTH_RADIUS)) - math.pi / 2)
    length = _nice_length((x1 - x0) / stretch)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.add_artist(AnchoredSizeBar(ax.transData, length * stretch, label, "lower left",
                                  pad=0.6, frameon=True, size_vertical=(y1 - y0) / 200))
    unit = f" ({r.measure.unit})" if r.measure.unit else ""
    fig.text(0.02, 0.955, _plain(r.title), fontsize=18, fontweight="bold", va="center")
    fig.text(0.02, 0.91, _plain(f"{r.measure.label}{unit}"), fontsize=11.5, va="center",
             color="#333333")
    legend_ax = fig.add_axes((0.735, 0.13, 0.255, 0.75))
    legend_ax.set_axis_off()
    legend_ax.legend(handles=handles, loc="upper left", frameon=False, fontsize=8.5,
                     handlelength=1.6, borderaxespad=0)
    if r.area_set.synthetic:
        fig.text(0.985, 0.955, "SYNTHETIC DEMO DATA: not real people", color="white",
                 fontsize=10, fontweight="bold", va="center", ha="right",
                 bbox={"facecolor": "#b30000", "edgecolor": "none", "pad": 3})
    fig.text(0.02, 0.015, _plain("\n".join(textwrap.fill(t, 150) for t in footer)),
             fontsize=7.5, color="#333333", va="bottom")
    return fig


def _class_handles(measure: MeasureResult, classes, any_unreliable: bool) -> list:
    handles: list = []
    lower = classes.minimum
    for color, upper in zip(classes.colors, classes.upper_bounds, strict=False):
        text = f"{format_value(lower, measure.kind)} – {format_value(upper, measure.kind)}"
        handles.append(Patch(facecolor=color, edgecolor="#595959", label=_plain(text)))
        lower = upper
    handles.append(Patch(facecolor=NO_DATA_COLOR, edgecolor="#595959",
                         label=_plain(measure.no_data_label)))
    if any_unreliable:
        handles.append(Patch(facecolor="white", edgecolor="#3b3b3b", hatch="////",
                             label="unreliable estimate (large\nmargin of error): hatched"))
    return handles


def _draw_assets(ax, assets: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> list:
    """Draw the assets by category (sensitive ones at their area's centre)."""
    if assets.empty:
        return []
    points = gpd.GeoSeries(display_points(assets, areas), crs=4326).to_crs(MERCATOR)
    handles: list = []
    for cat in CATEGORIES:
        mine = (assets["category"] == cat.key).to_numpy()
        if not mine.any():
            continue
        xy = shapely.get_coordinates(points[mine].to_numpy())
        ax.scatter(xy[:, 0], xy[:, 1], s=26, marker=_MARKERS[cat.shape], c=cat.color,
                   edgecolors="#1b1b1b", linewidths=0.6, zorder=5)
        handles.append(Line2D([], [], linestyle="none", marker=_MARKERS[cat.shape],
                              markerfacecolor=cat.color, markeredgecolor="#1b1b1b",
                              label=_plain(f"{cat.label} ({int(mine.sum()):,})")))
    return handles


def _limits(ax, r: MapRequest, areas: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """The view's extent in Web Mercator (its centre and zoom, else the outline, else every
    area), widened to the axes' shape so the map is not distorted: x0, x1, y0, y1."""
    if r.view is not None:
        box = shapely.box(*view_bounds(r.view))
    elif r.outline is not None and not r.outline.is_empty:
        box = r.outline
    else:
        box = shapely.box(*areas.total_bounds)
    x0, y0, x1, y1 = gpd.GeoSeries([box], crs=4326).to_crs(MERCATOR).total_bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = (x1 - x0) / 2 * 1.04, (y1 - y0) / 2 * 1.04
    bbox = ax.get_position(original=True)
    fig_w, fig_h = ax.figure.get_size_inches()
    ratio = (bbox.height * fig_h) / (bbox.width * fig_w)  # the axes' height / width
    if half_h / half_w > ratio:
        half_w = half_h / ratio
    else:
        half_h = half_w * ratio
    return cx - half_w, cx + half_w, cy - half_h, cy + half_h


def figure_bytes(fig: Figure, fmt: str, *, dpi: int = 150) -> bytes:
    """A figure as PNG, PDF or SVG bytes."""
    if fmt not in ("png", "pdf", "svg"):
        raise ValueError(f"unknown format {fmt!r}")
    out = io.BytesIO()
    fig.savefig(out, format=fmt, dpi=dpi, facecolor="white",
                metadata={"Creator": APP_NAME} if fmt != "png" else None)
    return out.getvalue()


# --- charts and the PDF profile --------------------------------------------------------

def figure_chart(rows: pd.DataFrame, *, title: str, size: tuple[float, float] = (4.6, 3.0)
                 ) -> Figure:
    """Bars of estimates with their 90% margins of error, coloured by reliability."""
    rows = rows.iloc[::-1]  # largest at the top
    fig = Figure(figsize=size, dpi=100)
    ax = fig.add_axes((0.42, 0.2, 0.55, 0.68))
    y = np.arange(len(rows))
    moe = rows["moe"].fillna(0).to_numpy(float)
    ax.barh(y, rows["estimate"].to_numpy(float),
            color=[RELIABILITY_COLORS[int(c)] for c in rows["reliability"]],
            xerr=moe, error_kw={"elinewidth": 0.8, "capsize": 2})
    ax.set_yticks(y, [_plain(textwrap.shorten(str(t), 32)) for t in rows["label"]],
                  fontsize=7.5)
    ax.tick_params(axis="x", labelsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel("people (bars: 90% margin of error)", fontsize=7)
    ax.set_title(_plain(title), fontsize=9, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    used = sorted({int(c) for c in rows["reliability"]})
    fig.legend(handles=[Patch(color=RELIABILITY_COLORS[c], label=RELIABILITY_BY_CODE[c].value)
                        for c in used], loc="lower center", ncols=len(used), fontsize=6.5,
               frameon=False)
    return fig


def _figure_cells(row: pd.Series) -> list[str]:
    estimate = f"{row['estimate']:,.0f}" if pd.notna(row["estimate"]) else "n/a"
    moe = f"± {row['moe']:,.0f}" if pd.notna(row["moe"]) else "no margin"
    share = ""
    if pd.notna(row["share"]):
        share = f"{row['share'] * 100:.1f}%"
        if pd.notna(row["share_moe"]):
            share += f" ± {row['share_moe'] * 100:.1f}"
    return [str(row["label"]), estimate, moe, share,
            RELIABILITY_BY_CODE[int(row["reliability"])].value]


@dataclass(frozen=True)
class ProfilePage:
    """One page of profiles: a selection's profile and the map of the view it came from."""

    profile: CommunityProfile
    map_png: bytes
    area_set: AreaSet


def profile_pdf(pages: Sequence[ProfilePage], *, made: date | None = None) -> bytes:
    """One-page PDF profiles (one page each, in order): the map, the key figures with
    their MOE and reliability, charts, the assets inside and the sources."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.units import inch
    from reportlab.platypus import KeepInFrame, PageBreak, SimpleDocTemplate

    if not pages:
        raise ValueError("no profile to print")
    made = made or date.today()
    width, height = letter[0] - inch, letter[1] - inch - 6
    flow: list = []
    for i, page in enumerate(pages):
        if i:
            flow.append(PageBreak())
        flow.append(KeepInFrame(width, height, _profile_story(page, made, width),
                                mode="shrink"))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=letter, leftMargin=inch / 2, rightMargin=inch / 2,
                            topMargin=inch / 2, bottomMargin=inch / 2,
                            title=pages[0].profile.title, author=APP_NAME)
    doc.build(flow)
    return out.getvalue()


def _profile_story(page: ProfilePage, made: date, width: float) -> list:
    from reportlab.lib import colors
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Image, Paragraph, Spacer, Table, TableStyle

    profile = page.profile
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9.5)
    body = styles["BodyText"].clone("body", fontSize=8.5, leading=10.5)

    def para(text: object, style=body) -> Paragraph:
        return Paragraph(html_text(text), style)  # text from data: never markup

    story: list = [Paragraph(html_text(profile.title), styles["Title"].clone(
        "t", fontSize=16, leading=19, alignment=0, spaceAfter=2))]
    year = f", {profile.year}" if profile.year else ""
    story.append(para(f"Community profile. Source: {profile.source}{year}. Made "
                      f"{made:%Y-%m-%d} with {APP_NAME}. Figures are sums of published "
                      "estimates; margins of error at 90% confidence, combined by the "
                      "Census Bureau's formulas.", small))
    if page.area_set.synthetic:
        story.append(Paragraph('<font color="#b30000"><b>SYNTHETIC DEMO DATA: no figure '
                               "describes real people.</b></font>", body))
    story += [Spacer(1, 4), Image(io.BytesIO(page.map_png), width=width, height=width * 0.64)]
    table_style = TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
        ("ALIGN", (1, 0), (3, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])
    key = profile.section("Population")
    rows = [["", "estimate", "± margin", "share", "reliability"]]
    rows += [_figure_cells(row) for _, row in key.iterrows()]
    story += [Spacer(1, 4), Paragraph("<b>Key figures</b>", body),
              Table(rows, colWidths=[2.9 * inch, 0.9 * inch, 0.9 * inch, 1.1 * inch,
                                     1.3 * inch], style=table_style, hAlign="LEFT")]
    charts = []
    for section in ("Countries of birth", "Limited English by language"):
        part = profile.section(section)
        part = part[part["estimate"] > 0].head(8)
        if len(part):
            png = figure_bytes(figure_chart(part, title=section), "png", dpi=160)
            charts.append(Image(io.BytesIO(png), width=width / 2 - 4,
                                height=(width / 2 - 4) * 3.0 / 4.6))
    if charts:
        story += [Spacer(1, 4), Table([charts], hAlign="LEFT")]
    assets = profile.assets_by_category
    if not assets.empty:
        listed = "; ".join(f"{r.iloc[0]} ({r.iloc[1]:,})" for _, r in assets.iterrows())
        story.append(para(f"Community assets inside: {listed}.", small))
    variables = "; ".join(f"{r['label']}: {r['source_variables']}" for _, r in key.iterrows())
    story.append(para(f"Sources of the key figures: {textwrap.shorten(variables, 700)}", small))
    story += [para(note, small) for note in profile.notes]
    return story


# --- the deck --------------------------------------------------------------------------

@dataclass(frozen=True)
class DeckSlide:
    """One view on a slide."""

    title: str
    note: str
    map_png: bytes
    figures: Sequence[str]  # key figures, each one line
    source: str


def story_deck(title: str, note: str, slides: Sequence[DeckSlide]) -> bytes:
    """A PowerPoint deck (16:9): a title slide, then one slide per view with its map
    image, title, note, key figures and source line."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    blank = deck.slide_layouts[6]
    first = deck.slides.add_slide(blank)  # the template's title layout is 4:3
    for top, height, text, size, bold in (
            (2.4, 1.4, title, 40, True),
            (3.9, 1.6, note or f"{len(slides)} views · {APP_NAME}", 20, False)):
        box = first.shapes.add_textbox(Inches(0.8), Inches(top), Inches(11.7), Inches(height))
        box.name = "Title" if bold else "Subtitle"
        box.text_frame.word_wrap = True
        box.text_frame.text = text
        box.text_frame.paragraphs[0].font.size = Pt(size)
        box.text_frame.paragraphs[0].font.bold = bold
    for item in slides:
        slide = deck.slides.add_slide(blank)
        box = slide.shapes.add_textbox(Inches(0.4), Inches(0.2), Inches(12.5), Inches(0.8))
        box.name = "Title"
        box.text_frame.text = item.title
        box.text_frame.paragraphs[0].runs[0].font.size = Pt(30)
        box.text_frame.paragraphs[0].runs[0].font.bold = True
        slide.shapes.add_picture(io.BytesIO(item.map_png), Inches(0.4), Inches(1.05),
                                 width=Inches(8.6))
        side = slide.shapes.add_textbox(Inches(9.2), Inches(1.1), Inches(3.8), Inches(5.4))
        frame = side.text_frame
        frame.word_wrap = True
        lines = ([item.note] if item.note else []) + list(item.figures)
        for i, line in enumerate(lines or [""]):
            p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            p.text = line
            p.font.size = Pt(15 if i == 0 and item.note else 13)
            p.space_after = Pt(8)
        foot = slide.shapes.add_textbox(Inches(0.4), Inches(6.85), Inches(12.5), Inches(0.5))
        foot.text_frame.word_wrap = True
        foot.text_frame.text = item.source
        foot.text_frame.paragraphs[0].font.size = Pt(10)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def key_figures(profile: CommunityProfile) -> list[str]:
    """The profile's headline figures, one line each, with margin and reliability."""
    lines = []
    for _, row in profile.section("Population").iterrows():
        label, estimate, moe, share, reliability = _figure_cells(row)
        lines.append(f"{label}: {estimate} ({moe}{', ' + share if share else ''}; "
                     f"{reliability})")
    return lines


# --- the standalone interactive map ----------------------------------------------------

_JS_MARK = "nam-inline-leaflet.js"
_CSS_MARK = "nam-inline-leaflet.css"


def _inline_css(css: str, images: Path) -> str:
    """Leaflet's style sheet with its images as data URIs (no file beside the page)."""
    def data_uri(match: re.Match[str]) -> str:
        path = images / Path(match.group(1)).name
        if not path.exists():
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()})"
    return re.sub(r"url\(images/([^)]+)\)", data_uri, css)


def standalone_map(request: MapRequest, *, leaflet_dir: Path) -> str:
    """One HTML file with the view's map (areas, assets, legend, source), Leaflet included:
    it opens from a USB stick with no network. ``leaflet_dir`` holds leaflet.js,
    leaflet.css and images/ (the app's vendored copy)."""
    r = request
    outlines = None
    if r.outline is not None and not r.outline.is_empty:
        outlines = gpd.GeoDataFrame({"label": ["Selection"]}, geometry=[r.outline], crs=4326)
    m = build_map(prepare_areas(r.area_set), r.area_set, r.measure, r.assets,
                  leaflet_js=_JS_MARK, leaflet_css=_CSS_MARK, tiles="none", outlines=outlines,
                  outline_name="Selection", scheme=r.scheme)
    page = m.get_root().render()
    js = (leaflet_dir / "leaflet.js").read_text(encoding="utf-8").replace("</script", r"<\/script")
    css = _inline_css((leaflet_dir / "leaflet.css").read_text(encoding="utf-8"),
                      leaflet_dir / "images")
    script_tag = re.compile(r'<script src="' + re.escape(_JS_MARK) + r'"></script>')
    link_tag = re.compile(r'<link rel="stylesheet" href="' + re.escape(_CSS_MARK) + r'"\s*/?>')
    if not script_tag.search(page) or not link_tag.search(page):
        raise RuntimeError("folium's page no longer loads Leaflet the expected way")
    page = script_tag.sub(lambda _: f"<script>{js}</script>", page, count=1)
    page = link_tag.sub(lambda _: f"<style>{css}</style>", page, count=1)
    heading = (f"<title>{html_text(r.title)}</title>"
               '<style>.nam-title{position:absolute;z-index:1000;top:8px;left:54px;'
               "background:rgba(255,255,255,.92);padding:4px 10px;border-radius:4px;"
               "font:bold 18px sans-serif;box-shadow:0 0 4px rgba(0,0,0,.3)}"
               ".nam-made{position:absolute;z-index:1000;bottom:4px;left:8px;"
               "font:11px sans-serif;background:rgba(255,255,255,.85);padding:2px 6px}"
               "</style>")
    page = page.replace("<head>", "<head>" + heading, 1)
    page = page.replace("<body>", f'<body><div class="nam-title">{html_text(r.title)}</div>'
                        f'<div class="nam-made">{html_text(r.source_line)}</div>', 1)
    return page
