"""Saved views and stories for presenters (issue #12 item 1), on both engines."""

from __future__ import annotations

import pytest

from mapping.infra.errors import DataError
from mapping.present.stories import MAX_PARAMS_CHARS, Author, Stories

ANA = Author(1, "Ana Ruiz <ana@lib.org>")
BEN = Author(2, "Ben Ode <ben@lib.org>")
ADMIN = Author(3, "Kim Admin <kim@lib.org>", may_change_all=True)
COOK = {"ds": "cook_county", "lang": "spanish", "m": "share", "view": "41.85,-87.68,11"}


@pytest.fixture
def shelf(store):
    return Stories(store)


def _three(shelf: Stories) -> list[int]:
    return [shelf.save_view(title=f"View {n}", note=f"Note {n}", page="map",
                            params={**COOK, "sel": f"area:1703100{n}"}, author=ANA).id
            for n in (1, 2, 3)]


def test_a_saved_view_keeps_its_page_link_title_note_and_author(shelf):
    saved = shelf.save_view(title="  Spanish speakers, Cook County ", note="For the board",
                            page="map", params=COOK, author=ANA)
    again = Stories(shelf.store).view(saved.id)  # read back through a new repository
    assert (again.title, again.note, again.page, again.owner, again.owner_id) == (
        "Spanish speakers, Cook County", "For the board", "map", ANA.name, 1)
    assert again.params == COOK and again.dataset == "cook_county"
    assert again.link == "/map?ds=cook_county&lang=spanish&m=share&view=41.85%2C-87.68%2C11"


def test_a_story_keeps_the_order_given_and_can_be_reordered(shelf):
    a, b, c = _three(shelf)
    story = shelf.create_story(title="Board meeting", view_ids=[c, a, b], author=ANA)
    assert story.view_ids == (c, a, b)
    assert [v.title for v in shelf.views_of(story)] == ["View 3", "View 1", "View 2"]
    moved = shelf.update_story(story.id, expected_version=story.version, author=ANA,
                               title="Board meeting", view_ids=[a, b, c])
    assert shelf.story(story.id).view_ids == (a, b, c) and moved.version == 2


def test_only_the_author_or_an_administrator_changes_a_view(shelf):
    view = shelf.save_view(title="Mine", page="map", params=COOK, author=ANA)
    with pytest.raises(DataError, match="only its author"):
        shelf.update_view(view.id, expected_version=1, author=BEN, title="Hijacked")
    assert shelf.view(view.id).title == "Mine"
    changed = shelf.update_view(view.id, expected_version=1, author=ADMIN, title="Fixed typo")
    assert (changed.title, changed.version, changed.owner) == ("Fixed typo", 2, ANA.name)


def test_a_change_from_a_stale_copy_is_refused_and_nothing_is_lost(shelf):
    view = shelf.save_view(title="First", page="map", params=COOK, author=ANA)
    shelf.update_view(view.id, expected_version=1, author=ANA, title="Second")
    with pytest.raises(DataError, match="changed by someone else"):
        shelf.update_view(view.id, expected_version=1, author=ANA, title="Stale")
    assert shelf.view(view.id).title == "Second"


def test_deleting_a_view_takes_it_out_of_every_story_and_says_which(shelf):
    a, b, c = _three(shelf)
    one = shelf.create_story(title="One", view_ids=[a, b, c], author=ANA)
    two = shelf.create_story(title="Two", view_ids=[b], author=BEN)
    left = shelf.delete_view(b, expected_version=1, author=ANA)
    assert sorted(left) == ["One", "Two"]
    assert shelf.story(one.id).view_ids == (a, c)
    assert shelf.story(two.id).view_ids == ()
    assert {v.id for v in shelf.views()} == {a, c}


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": "  "}, "give the title"),
    ({"title": "x" * 121}, "shorten it to 120"),
    ({"note": "n" * 1001}, "shorten it to 1000"),
    ({"page": "admin"}, "views are saved from the pages"),
    ({"params": {"Bad Name": "1"}}, "parameter named"),
    ({"params": {"shape": "1," * MAX_PARAMS_CHARS}}, "too long to save"),
])
def test_bad_input_is_refused_with_what_to_fix_and_nothing_is_stored(shelf, fields, message):
    values = {"title": "A view", "page": "map", "params": COOK, **fields}
    with pytest.raises(DataError, match=message):
        shelf.save_view(author=ANA, **values)
    assert shelf.views() == []


def test_a_story_of_missing_views_is_refused(shelf):
    a, *_ = _three(shelf)
    with pytest.raises(DataError, match="999 no longer exist"):
        shelf.create_story(title="Gone", view_ids=[a, 999], author=ANA)
    with pytest.raises(DataError, match="at least one"):
        shelf.create_story(title="Empty", view_ids=[], author=ANA)
    assert shelf.stories() == []


def test_deleting_a_story_keeps_its_views(shelf):
    a, b, _ = _three(shelf)
    story = shelf.create_story(title="Short", view_ids=[a, b], author=ANA)
    with pytest.raises(DataError, match="only its author"):
        shelf.delete_story(story.id, expected_version=1, author=BEN)
    shelf.delete_story(story.id, expected_version=1, author=ANA)
    assert shelf.stories() == [] and len(shelf.views()) == 3
    with pytest.raises(DataError, match="no saved story number"):
        shelf.story(story.id)
