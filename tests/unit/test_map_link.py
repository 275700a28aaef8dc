"""The map's state in a link: a drawn shape as compact text, and what a link may not carry."""

import pytest

from ui.map_widget import MAX_SHAPE_POINTS, shape_from_text, shape_to_text


def test_a_drawn_rectangle_survives_the_link_to_a_metre():
    ring = [[-87.712341234, 41.8812], [-87.6, 41.8812], [-87.6, 41.95], [-87.712341234, 41.95],
            [-87.712341234, 41.8812]]
    text = shape_to_text({"type": "Polygon", "coordinates": [ring]})
    assert text == "-87.71234,41.8812;-87.6,41.8812;-87.6,41.95;-87.71234,41.95"
    back = shape_from_text(text)["coordinates"][0]
    assert back[0] == back[-1] and len(back) == 5
    assert all(abs(a - b) <= 0.5e-5 for p, q in zip(back, ring, strict=True)
               for a, b in zip(p, q, strict=True))


@pytest.mark.parametrize("text", [
    "", "1,2", "1,2;3,4", "1,2;3,4;x,6", "1,2;3;5,6", "200,2;3,4;5,6", "1,95;3,4;5,6",
    ";".join(["1,2"] * (MAX_SHAPE_POINTS + 1)), "<script>alert(1)</script>",
])
def test_a_link_with_no_usable_shape_gives_none(text):
    assert shape_from_text(text) is None
