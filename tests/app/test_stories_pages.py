"""Saved views and stories through the pages, with accounts (issue #12 item 1)."""

from __future__ import annotations

from mapping.present.stories import Author, Stories
from tests.app.test_accounts_pages import PASSWORD, _open, _sign_in, _text, data_dir, people

__all__ = ["data_dir", "people"]  # fixtures used below


def _expanders(at) -> list[str]:
    return [e.label for e in at.expander]


def test_a_visitor_neither_sees_nor_presents_saved_views(people):
    shelf = Stories(people.store)
    view = shelf.save_view(title="Board view", page="map", params={"ds": "demo"},
                           author=Author(2, "Staff Person"))
    at = _open("pages/stories.py")
    assert any("for library staff: sign in" in i.value for i in at.info)
    assert "Board view" not in _text(at)
    at.query_params["sv"] = str(view.id)
    at.switch_page("pages/present.py").run()
    assert any("for library staff" in i.value for i in at.info)
    assert "Board view" not in _text(at)


def test_staff_save_a_view_under_their_account_and_only_its_author_edits_it(people):
    at = _sign_in(_open("pages/map.py"), "staff@lib.org")
    assert not [t for t in at.sidebar.text_input if t.label.startswith("Your name")]
    title = next(t for t in at.sidebar.text_input if t.label == "Title")
    title.input("Foreign-born, Demo County")
    next(a for a in at.sidebar.text_area if a.label.startswith("Note")).input("For the board")
    next(b for b in at.sidebar.button if b.label == "Save view").click().run()
    assert not at.exception, at.exception
    [saved] = Stories(people.store).views()
    staff = people.by_email("staff@lib.org")
    assert (saved.title, saved.note, saved.owner_id, saved.page) == (
        "Foreign-born, Demo County", "For the board", staff.id, "map")
    assert saved.owner == "Staff Person <staff@lib.org>" and saved.dataset == "demo"

    at.switch_page("pages/stories.py").run()
    assert "Edit or delete" in _expanders(at)  # the author may
    other = _sign_in(_open("pages/stories.py"), "contributor@lib.org")
    assert any("for library staff" in i.value for i in other.info)
    people.create(email="staff2@lib.org", name="Second Staff", role="staff",
                  password=PASSWORD, by="setup")
    colleague = _sign_in(_open("pages/stories.py"), "staff2@lib.org")
    assert "Foreign-born, Demo County" in _text(colleague)  # shared with colleagues
    assert "Edit or delete" not in _expanders(colleague)  # but not theirs to change
    admin = _sign_in(_open("pages/stories.py"), "admin@lib.org")
    assert "Edit or delete" in _expanders(admin)
