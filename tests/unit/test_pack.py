"""The meeting pack (issue #12 item 3), each file read back by a reader independent of the
code that wrote it: Pillow for the PNG, poppler's pdftoppm/pdftotext/pdfinfo for the
PDFs, python-pptx for the deck."""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import shapely
from PIL import Image

from mapping.analysis.community import community_profile
from mapping.analysis.filters import Filters, compute_measure, default_indicator
from mapping.present.pack import (
    DeckSlide,
    MapRequest,
    ProfilePage,
    figure_bytes,
    key_figures,
    map_figure,
    profile_pdf,
    story_deck,
)

#: ColorBrewer's YlGnBu and Purples with five classes, as published (colorbrewer2.org).
YLGNBU_5 = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
PURPLES_5 = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
HOSTILE = "Board <b>& $x^2$ </para> review"


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} (Debian's poppler-utils) is not installed")
    return path


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    src = tmp_path / "doc.pdf"
    src.write_bytes(pdf)
    return subprocess.run([_poppler("pdftotext"), "-layout", str(src), "-"], check=True,
                          capture_output=True, text=True).stdout


def _pdf_pages(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    src = tmp_path / "pages.pdf"
    src.write_bytes(pdf)
    subprocess.run([_poppler("pdftoppm"), "-png", "-r", "60", str(src), str(tmp_path / "p")],
                   check=True)
    return [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("p-*.png"))]


def _pixels_of(image: Image.Image, hex_color: str) -> int:
    rgb = np.asarray(image.convert("RGB")).reshape(-1, 3)
    want = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb.astype(int) - want).sum(axis=1) <= 6).sum())


def _request(demo, *, assets=None, **kwargs) -> MapRequest:
    catalog = demo.area_set.catalog
    measure = compute_measure(demo.area_set, Filters(indicator=default_indicator(catalog).id))
    return MapRequest(demo.area_set, measure, demo.assets if assets is None else assets,
                      **{"title": "Foreign-born", **kwargs})


def test_the_map_image_is_the_size_asked_and_holds_every_class_colour(demo):
    png = figure_bytes(map_figure(_request(demo)), "png", dpi=100)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1100, 700)
    assert len(image.convert("RGB").getcolors(1_000_000)) > 50  # not blank
    for color in YLGNBU_5:
        assert _pixels_of(image, color) > 200, color


def test_another_colour_scheme_paints_the_map_in_it(demo):
    png = figure_bytes(map_figure(_request(demo, scheme="Purples")), "png", dpi=100)
    image = Image.open(io.BytesIO(png))
    for color in PURPLES_5:
        assert _pixels_of(image, color) > 200, color
    assert _pixels_of(image, YLGNBU_5[4]) == 0


def test_a_view_zooms_the_map_and_the_scale_bar_follows(demo):
    """A saved centre and zoom frames the picture: zoomed in 3 levels, the scale bar's
    length in km (read back from the PDF's text) is at least 4 times smaller."""
    west, south, east, north = demo.area_set.areas.total_bounds
    centre = {"lat": (south + north) / 2, "lng": (west + east) / 2}
    texts = []
    for zoom in (9, 12):
        pdf = figure_bytes(map_figure(_request(demo, view={**centre, "zoom": zoom})), "pdf")
        texts.append(pdf)
    import tempfile
    lengths = []
    for pdf in texts:
        with tempfile.TemporaryDirectory() as tmp:
            text = _pdf_text(pdf, Path(tmp))
        match = re.search(r"(\d+(?:\.\d+)?) (km|m)\b", text)
        assert match, text
        lengths.append(float(match.group(1)) * (1000 if match.group(2) == "km" else 1))
    assert lengths[0] >= 4 * lengths[1]


def test_the_map_pdf_has_the_title_source_and_a_drawn_page(demo, tmp_path):
    pdf = figure_bytes(map_figure(_request(demo, title=HOSTILE)), "pdf")
    text = _pdf_text(pdf, tmp_path)
    assert HOSTILE.replace("$", "") in text.replace("$", "")  # shown as text, not as math
    assert "Source: Synthetic figures" in text and "Made " in text
    assert "SYNTHETIC DEMO DATA" in text
    (page,) = _pdf_pages(pdf, tmp_path)
    assert len(page.getcolors(1_000_000)) > 30


def test_a_profile_is_one_page_with_the_figures_and_their_margins(demo, tmp_path):
    geoids = list(demo.area_set.areas.index[:25])
    profile = community_profile(demo.area_set, demo.assets, geoids, title=HOSTILE)
    png = figure_bytes(map_figure(_request(demo)), "png", dpi=80)
    pdf = profile_pdf([ProfilePage(profile, png, demo.area_set)])
    (tmp_path / "profile.pdf").write_bytes(pdf)
    info = subprocess.run([_poppler("pdfinfo"), str(tmp_path / "profile.pdf")],
                          capture_output=True, check=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    text = _pdf_text(pdf, tmp_path)
    assert HOSTILE in text  # ReportLab got it as text, not markup
    # The total population and its MOE, from the source table by the Census formula.
    table = demo.area_set.indicators
    rows = table[(table["variable"] == "pop_total") & table["geoid"].isin(geoids)]
    estimate = rows["estimate"].sum()
    moe = math.sqrt((rows["moe"] ** 2).sum())
    assert f"{estimate:,.0f}" in text and f"± {moe:,.0f}" in text
    assert "Key figures" in text
    images = subprocess.run([_poppler("pdfimages"), "-list", str(tmp_path / "profile.pdf")],
                            capture_output=True, check=True, text=True).stdout
    kinds = [line.split()[2] for line in images.strip().splitlines()[2:]]
    assert kinds.count("image") == 3  # the map and two charts
    (page,) = _pdf_pages(pdf, tmp_path)
    assert len(page.getcolors(1_000_000)) > 30


def test_a_story_of_profiles_is_one_page_each(demo, tmp_path):
    png = figure_bytes(map_figure(_request(demo)), "png", dpi=60)
    pages = [ProfilePage(community_profile(demo.area_set, demo.assets, [g], title=f"Area {g}"),
                         png, demo.area_set) for g in demo.area_set.areas.index[:3]]
    assert len(_pdf_pages(profile_pdf(pages), tmp_path)) == 3


def test_the_deck_has_a_slide_per_view_with_its_map_title_note_and_source(demo):
    png = figure_bytes(map_figure(_request(demo)), "png", dpi=60)
    profile = community_profile(demo.area_set, demo.assets, list(demo.area_set.areas.index[:5]),
                                title="Five areas")
    slides = [DeckSlide(f"View {n}", f"Note {n}", png, key_figures(profile), "Source: demo")
              for n in (1, 2, 3)]
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    deck = Presentation(io.BytesIO(story_deck("Board meeting", HOSTILE, slides)))
    assert len(deck.slides) == 4
    texts = [[s.text_frame.text for s in slide.shapes if s.has_text_frame]
             for slide in deck.slides]
    assert texts[0] == ["Board meeting", HOSTILE]
    for n, (slide, text) in enumerate(zip(list(deck.slides)[1:], texts[1:], strict=True), 1):
        assert text[0] == f"View {n}" and f"Note {n}" in text[1] and text[-1] == "Source: demo"
        assert "Total population" in text[1]
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        assert Image.open(io.BytesIO(pictures[0].image.blob)).size[0] > 300


def test_a_selection_is_outlined_on_the_map(demo):
    west, south, east, north = demo.area_set.areas.total_bounds
    box = shapely.box(west + (east - west) * 0.4, south + (north - south) * 0.4,
                      west + (east - west) * 0.6, south + (north - south) * 0.6)
    none = demo.assets.iloc[:0]  # no point over the line
    plain = Image.open(io.BytesIO(figure_bytes(map_figure(_request(demo, assets=none)), "png",
                                               dpi=100)))
    outlined = Image.open(io.BytesIO(figure_bytes(map_figure(
        _request(demo, assets=none, outline=box)), "png", dpi=100)))
    assert _pixels_of(outlined, "#d7301f") > _pixels_of(plain, "#d7301f") + 100
