"""Staff capacity (issue #14 item 5): trainings, hours set aside and the workload, by hand."""

from __future__ import annotations

from datetime import date

import pytest
from argon2 import PasswordHasher

from mapping.infra.errors import DataError
from mapping.people.accounts import Accounts
from mapping.people.capacity import (
    TRAININGS,
    Capacity,
    branch_workload,
    involvement_by_quarter,
    speakers_by_branch,
)

TODAY = date(2026, 11, 20)
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def team(store):
    people = Accounts(store, hasher=FAST)
    ana = people.create(email="ana@lib.org", name="Ana Ruiz", role="staff", password=None,
                        by="setup", branch="Uptown", languages=["Spanish"], hours_per_month=10)
    bo = people.create(email="bo@lib.org", name="Bo Chen", role="branch_lead", password=None,
                       by="setup", branch="Uptown", languages=["Chinese", "Vietnamese"],
                       hours_per_month=4)
    cy = people.create(email="cy@lib.org", name="Cy Doe", role="staff", password=None,
                       by="setup", branch="Austin", hours_per_month=0)
    people.create(email="visitor@lib.org", name="Vi Sitor", role="visitor", password=None,
                  by="setup")
    return Capacity(store, people, today=lambda: TODAY), ana, bo, cy


def test_the_directory_lists_each_training_date_and_what_is_missing(team):
    capacity, ana, bo, _ = team
    capacity.record_training(ana.id, "asset-mapping orientation", "2026-02-03", by="bo")
    capacity.record_training(ana.id, "asset-mapping orientation", "2026-02-03", by="bo")  # twice
    capacity.record_training(ana.id, "listening skills", date(2026, 5, 1), by="bo")
    capacity.record_training(bo.id, "cultural competence", "2025-09-09", by="admin")
    directory = capacity.directory().set_index("name")
    assert sorted(directory.index) == ["Ana Ruiz", "Bo Chen", "Cy Doe"]  # no visitor
    assert directory.loc["Ana Ruiz", "asset-mapping orientation"] == date(2026, 2, 3)
    assert directory.loc["Ana Ruiz", "missing"] == ("cultural competence",
                                                    "relationship-building")
    assert directory.loc["Cy Doe", "missing"] == TRAININGS
    assert len(capacity.trainings_frame()) == 3
    assert speakers_by_branch(capacity.directory()) == {"Uptown": {"es", "zh", "vi"},
                                                        "Austin": set()}


@pytest.mark.parametrize("training, day, message", [
    ("knitting", "2026-01-01", "unknown training 'knitting'"),
    ("listening skills", "2026-12-01", "in the future"),
    ("listening skills", "last May", "not a date"),
])
def test_a_bad_training_record_is_refused(team, training, day, message):
    capacity, ana, _, _ = team
    with pytest.raises(DataError, match=message):
        capacity.record_training(ana.id, training, day, by="bo")
    assert capacity.trainings_frame().empty


def test_workload_sets_hours_logged_and_planned_against_hours_set_aside(team, store):
    capacity = team[0]
    a, b = "Ana Ruiz <ana@lib.org>", "Bo Chen <bo@lib.org>"
    store.log_outreach(date="2026-11-03", technique="walkabout", staff=a, summary="Market",
                       branch="Uptown", minutes=90, involvement="inform")
    store.log_outreach(date="2026-11-18", technique="community event", staff=a,
                       summary="Fair", branch="Uptown", minutes=150, involvement="involve")
    store.log_outreach(date="2026-10-30", technique="walkabout", staff=a, summary="October",
                       branch="Uptown", minutes=600, involvement="consult")  # another month
    store.log_outreach(date="2026-11-05", technique="walkabout", staff=b, summary="Temple",
                       branch="Uptown", minutes=30, involvement="collaborate")
    store.add_action(step="Call the mosque", owner=a, due="2026-11-25", hours=2, user=a)
    store.add_action(step="Plan a listening session", owner=a, due="2026-11-10", hours=1.5,
                     user=a)  # overdue on the 20th
    store.add_action(step="Flyers", owner=b, due="2026-12-02", hours=8, user=b)  # December
    work = capacity.workload().set_index("name")
    # By hand: Ana logged 90 + 150 min = 4.0 h in November; planned 2 + 1.5 h due in it.
    assert work.loc["Ana Ruiz", ["hours_set_aside", "hours_logged", "hours_planned",
                                 "overdue_steps", "trainings_missing"]].tolist() == [
        10, 4.0, 3.5, 1, 4]
    assert not work.loc["Ana Ruiz", "over"]
    assert work.loc["Bo Chen", ["hours_logged", "hours_planned", "overdue_steps"]].tolist() == [
        0.5, 0.0, 0]
    assert work.loc["Cy Doe", ["hours_logged", "over"]].tolist() == [0.0, False]
    december = capacity.workload("2026-12-01").set_index("name")
    assert december.loc["Bo Chen", "hours_planned"] == 8.0 and december.loc["Bo Chen", "over"]
    branches = branch_workload(capacity.workload()).set_index("branch")
    assert branches.loc["Uptown", ["people", "hours_set_aside", "hours_logged"]].tolist() == [
        2, 14, 4.5]
    stages = involvement_by_quarter(store.outreach_log(), branch="Uptown")
    got = {(r["quarter"], r["involvement"]): r["entries"] for r in stages.to_dict("records")}
    assert got == {("2026Q4", "inform"): 1, ("2026Q4", "involve"): 1,
                   ("2026Q4", "consult"): 1, ("2026Q4", "collaborate"): 1}


def test_outreach_time_and_stage_are_checked(store):
    with pytest.raises(DataError, match="minutes"):
        store.log_outreach(date="2026-11-03", technique="walkabout", staff="ana",
                           summary="x", minutes=-5)
    with pytest.raises(DataError, match="unknown involvement 'lead'"):
        store.log_outreach(date="2026-11-03", technique="walkabout", staff="ana",
                           summary="x", involvement="lead")
    assert store.outreach_log().empty
