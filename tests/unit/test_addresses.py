"""Addresses in parts (issue #16): parsed from one line, joined from parts, never lost."""

import pytest

from mapping.records.addresses import address_parts, join_address, with_address_parts

P = ("street", "city", "state", "postal_code", "country")


@pytest.mark.parametrize("line, state, want", [
    ("2600 Middlefield Road, Redwood City, CA 94063", "",
     ("2600 Middlefield Road", "Redwood City", "CA", "94063", "US")),
    ("4400 N. Broadway St., Chicago, Illinois 60640", "",
     ("4400 N. Broadway St.", "Chicago", "IL", "60640", "US")),
    ("1633 W CONGRESS PWY, 60612", "IL", ("1633 W CONGRESS PWY", "", "IL", "60612", "US")),
    ("1633 W CONGRESS PWY, 60612", "", ("1633 W CONGRESS PWY", "", "", "60612", "")),
    ("Suite 200, 17 Lake St, Oak Park, IL 60302", "",
     ("Suite 200 17 Lake St", "Oak Park", "IL", "60302", "US")),
    ("", "IL", ("", "", "", "", "")),
])
def test_one_line_is_read_as_parts(line, state, want):
    assert tuple(address_parts(line, state=state)[k] for k in P) == want


def test_a_line_the_parser_cannot_read_keeps_its_text():
    line = "123 Main St, Chicago, IL 60601, 456 Oak Ave"  # two streets: the parser refuses
    assert address_parts(line)["street"] == line


def test_parts_given_by_a_source_are_kept_and_make_the_line():
    sent = {"street": "24 Second Avenue", "city": "San Mateo", "state": "CA",
            "postal_code": "94401", "country": "US"}
    whole = with_address_parts(sent)
    assert whole["address"] == "24 Second Avenue, San Mateo, CA 94401"
    assert {k: whole[k] for k in P} == sent
    # both given: both kept as sent, even where they disagree (nothing is overwritten)
    both = with_address_parts({**sent, "address": "PO Box 7, San Mateo"})
    assert both["address"] == "PO Box 7, San Mateo" and both["street"] == "24 Second Avenue"
    assert join_address({}) == ""
