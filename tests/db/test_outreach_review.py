"""Outreach logged by a contributor waits for staff (issue #14 item 2), on both engines."""

from __future__ import annotations

from datetime import date

import pytest
from argon2 import PasswordHasher

from mapping.infra.errors import DataError
from mapping.people.accounts import Accounts
from mapping.people.capacity import Capacity, involvement_by_quarter

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def test_a_contributors_entry_counts_once_staff_accept_it(store):
    people = Accounts(store, hasher=FAST)
    people.create(email="chris@lib.org", name="Chris", role="contributor", password=None,
                  by="setup", branch="Uptown", hours_per_month=5)
    capacity = Capacity(store, people, today=lambda: date(2026, 11, 20))
    chris = "Chris <chris@lib.org>"
    first = store.log_outreach(date="2026-11-04", technique="walkabout", staff=chris,
                               summary="Talked with the imam", branch="Uptown", minutes=60,
                               involvement="consult", review="pending")
    second = store.log_outreach(date="2026-11-06", technique="walkabout", staff=chris,
                                summary="Flyers at the laundromat", branch="Uptown",
                                minutes=30, involvement="inform", review="pending")
    log = store.outreach_log().set_index("id")
    assert log.loc[[first, second], "review"].tolist() == ["pending", "pending"]
    assert capacity.workload().set_index("name").loc["Chris", "hours_logged"] == 0.0
    assert involvement_by_quarter(store.outreach_log()).empty
    store.review_outreach(first, accept=True, by="Ana <ana@lib.org>")
    store.review_outreach(second, accept=False, by="Ana <ana@lib.org>")
    log = store.outreach_log().set_index("id")
    assert log.loc[first, ["review", "reviewed_by"]].tolist() == ["accepted", "Ana <ana@lib.org>"]
    assert log.loc[second, "review"] == "declined"
    assert capacity.workload().set_index("name").loc["Chris", "hours_logged"] == 1.0
    assert involvement_by_quarter(store.outreach_log())["entries"].sum() == 1
    with pytest.raises(DataError, match="already accepted"):
        store.review_outreach(first, accept=False, by="Bo")
    with pytest.raises(DataError, match="unknown review"):
        store.log_outreach(date="2026-11-06", technique="walkabout", staff=chris,
                           summary="x", review="maybe")
