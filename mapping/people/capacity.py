"""Staff capacity: trainings, hours set aside, and the workload of each person and branch.

The library worksheet asks whether staff have the capacity (time, training, languages) to
do community work. Each account carries its branch, languages spoken and hours per month
set aside (:mod:`mapping.people.accounts`); trainings completed, with their dates, are
kept here (table ``trainings``, migration 0009). Outreach entries record the time spent
and where the work sits on the public involvement continuum; action steps their planned
hours. :func:`workload` sets hours planned and logged against hours set aside, with the
overdue steps and the trainings still missing, per person and per branch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from mapping.infra.errors import DataError
from mapping.people.accounts import ROLES, Accounts, accounts
from mapping.records.store import COUNTED_REVIEWS, INVOLVEMENT, Store, as_date, metadata
from mapping.sources.catalog import groups_of_language

#: The trainings the worksheet names, in the order a new staff member takes them.
TRAININGS = ("asset-mapping orientation", "cultural competence", "relationship-building",
             "listening skills")
#: Roles that do community work (and so have a workload).
WORKING_ROLES = tuple(r for r in ROLES if r not in ("visitor",))

trainings = sa.Table(
    "trainings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("training", sa.String(60), nullable=False),
    sa.Column("completed_on", sa.Date, nullable=False),
    sa.Column("recorded_by", sa.String(254), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("account_id", "training", "completed_on", name="trainings_once_uq"),
)


def _today() -> date:
    return datetime.now(UTC).date()


class Capacity:
    """Trainings and workload over one asset database's accounts and outreach."""

    def __init__(self, store: Store, people: Accounts, *,
                 today: Callable[[], date] = _today) -> None:
        self.store = store
        self.people = people
        self._today = today

    def record_training(self, account_id: int, training: str, completed_on: Any, *,
                        by: str) -> None:
        """Record that someone completed a training on a day (twice the same: once)."""
        if training not in TRAININGS:
            raise DataError(f"unknown training {training!r}; use one of {', '.join(TRAININGS)}")
        day = as_date(completed_on, what="day it was completed")
        if day > self._today():
            raise DataError(f"{day} is in the future: record a training once it is done")
        with self.store.writing() as conn:
            if conn.execute(sa.select(accounts.c.id).where(accounts.c.id == account_id)
                            ).first() is None:
                raise DataError(f"no account {account_id}")
            done = conn.execute(sa.select(trainings.c.id).where(
                trainings.c.account_id == account_id, trainings.c.training == training,
                trainings.c.completed_on == day)).first()
            if done is None:
                conn.execute(trainings.insert().values(
                    account_id=account_id, training=training, completed_on=day,
                    recorded_by=by[:254], recorded_at=datetime.now(UTC)))

    def trainings_frame(self) -> pd.DataFrame:
        """Every training completed: account, training, day."""
        with self.store.reading() as conn:
            rows = conn.execute(sa.select(trainings.c.account_id, trainings.c.training,
                                          trainings.c.completed_on)).mappings().all()
        return pd.DataFrame([dict(r) for r in rows],
                            columns=["account_id", "training", "completed_on"])

    def directory(self) -> pd.DataFrame:
        """The staff directory: one row per active person who does community work, with
        their branch, role, languages, hours set aside, each training's latest date (or
        empty) and the trainings missing."""
        people = self.people.frame()
        people = people[people["active"] & people["role"].isin(WORKING_ROLES)]
        done = self.trainings_frame()
        latest = (done.groupby(["account_id", "training"])["completed_on"].max()
                  if not done.empty else pd.Series(dtype=object))
        rows = []
        for p in people.to_dict("records"):
            row = {"account_id": p["id"], "name": p["name"], "email": p["email"],
                   "branch": p["branch"], "role": p["role"], "languages": p["languages"],
                   "hours_per_month": int(p["hours_per_month"])}
            missing = []
            for t in TRAININGS:
                when = latest.get((p["id"], t)) if len(latest) else None
                row[t] = when
                if when is None:
                    missing.append(t)
            row["missing"] = tuple(missing)
            rows.append(row)
        return pd.DataFrame(rows, columns=["account_id", "name", "email", "branch", "role",
                                           "languages", "hours_per_month", *TRAININGS,
                                           "missing"])

    def workload(self, month: Any = None) -> pd.DataFrame:
        """Per person, for the calendar month holding ``month`` (default: this month):
        hours set aside, hours logged on outreach, hours planned on open steps due that
        month, steps overdue today, and trainings missing."""
        first = as_date(month or self._today(), what="month").replace(day=1)
        after = (pd.Timestamp(first) + pd.offsets.MonthBegin(1)).date()
        today = self._today()
        staff = self.directory()
        log = self.store.outreach_log()
        plan = self.store.action_plan(today=today)
        rows = []
        for p in staff.to_dict("records"):
            label = f"{p['name']} <{p['email']}>"
            mine = log[(log["staff"] == label) & log["review"].isin(COUNTED_REVIEWS)
                       & (pd.to_datetime(log["date"]) >= pd.Timestamp(first))
                       & (pd.to_datetime(log["date"]) < pd.Timestamp(after))]
            steps = plan[(plan["owner"] == label) & plan["status"].isin(["open", "in progress"])]
            due = pd.to_datetime(steps["due"], errors="coerce")
            planned = steps[(due >= pd.Timestamp(first)) & (due < pd.Timestamp(after))]
            rows.append({
                "name": p["name"], "branch": p["branch"],
                "hours_set_aside": p["hours_per_month"],
                "hours_logged": round(float(pd.to_numeric(mine["minutes"]).sum()) / 60, 1),
                "hours_planned": round(float(pd.to_numeric(planned["hours"]).sum()), 1),
                "overdue_steps": int(steps["overdue"].astype(bool).sum()),
                "trainings_missing": len(p["missing"]),
            })
        frame = pd.DataFrame(rows, columns=["name", "branch", "hours_set_aside",
                                            "hours_logged", "hours_planned", "overdue_steps",
                                            "trainings_missing"])
        frame["over"] = frame["hours_logged"] + frame["hours_planned"] > frame["hours_set_aside"]
        return frame


def branch_workload(per_person: pd.DataFrame) -> pd.DataFrame:
    """The workload summed per branch (people without a branch under "(no branch)")."""
    frame = per_person.assign(branch=per_person["branch"].replace("", "(no branch)"))
    out = frame.groupby("branch").agg(
        people=("name", "count"), hours_set_aside=("hours_set_aside", "sum"),
        hours_logged=("hours_logged", "sum"), hours_planned=("hours_planned", "sum"),
        overdue_steps=("overdue_steps", "sum"), trainings_missing=("trainings_missing", "sum"))
    return out.reset_index()


def involvement_by_quarter(log: pd.DataFrame, *, branch: str | None = None) -> pd.DataFrame:
    """Outreach entries per quarter and involvement stage (entries without a stage are
    left out): how a branch's work moves along the continuum over time."""
    frame = log[log["involvement"].isin(INVOLVEMENT) & log["review"].isin(COUNTED_REVIEWS)]
    if branch:
        frame = frame[frame["branch"] == branch]
    if frame.empty:
        return pd.DataFrame(columns=["quarter", "involvement", "entries"])
    quarter = pd.PeriodIndex(pd.to_datetime(frame["date"]), freq="Q").astype(str)
    counts = frame.assign(quarter=quarter).groupby(["quarter", "involvement"]).size()
    return counts.rename("entries").reset_index()


def speakers_by_branch(directory: pd.DataFrame) -> dict[str, set[str]]:
    """``{branch: languages its staff speak}`` (ISO codes), for Service gaps."""
    out: dict[str, set[str]] = {}
    for row in directory.to_dict("records"):
        out.setdefault(row["branch"], set()).update(row["languages"])
    return out


def branches_speaking(speakers: dict[str, set[str]], groups: Iterable[str]) -> dict[str, bool]:
    """``{branch: True}`` when someone on its staff speaks a language of one of the census
    language ``groups`` in need (codes are matched to groups by the catalog).

    Examples
    --------
    >>> branches_speaking({"Uptown": {"es"}, "Austin": {"pl"}}, ["spanish"])
    {'Uptown': True, 'Austin': False}
    """
    wanted = set(groups)
    return {branch: any(wanted & set(groups_of_language(code)) for code in codes)
            for branch, codes in speakers.items()}

