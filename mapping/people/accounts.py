"""Accounts, roles and sign-in: each person signs in as themselves.

Accounts live in the asset database (tables ``accounts`` and ``audit_log``, migration
0007). Passwords are hashed with Argon2id by ``argon2-cffi`` (the winner of the Password
Hashing Competition, as OWASP recommends); the hash never leaves this module: no
:class:`Account`, frame, log line or export carries it.

Sign-in protection, per account and kept in the database (so every app process and
replica sees it): from the third failure in a row each further attempt must wait longer
(2, 4, 8 ... seconds, at most a minute); the fifth within :data:`FAILURE_WINDOW` locks the
account for :data:`LOCKOUT`. Wrong e-mail addresses get the same answer as wrong passwords
(no one learns which accounts exist) and are slowed down the same way, in the process.
Every sign-in, failure, lockout and change to an account is written to the audit log.

Without any account (:meth:`Accounts.count` is 0), a copy works as before accounts
existed: single-user, or behind the shared staff passcode if one is set.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mapping.infra.attempts import AttemptLimiter
from mapping.infra.errors import DataError
from mapping.records.store import Store, metadata
from mapping.sources.catalog import parse_languages

#: Roles, from least to most trusted.
ROLES = ("visitor", "contributor", "staff", "branch_lead", "admin")
ROLE_LABELS = {"visitor": "Visitor", "contributor": "Contributor", "staff": "Staff",
               "branch_lead": "Branch lead", "admin": "Administrator"}
ROLE_HELP = {
    "visitor": "public information only",
    "contributor": "suggests assets and logs outreach; staff review what they send",
    "staff": "edits assets, sees staff-only sites and personal contacts, reviews suggestions",
    "branch_lead": "staff, and manages the staff of their branch",
    "admin": "everything: accounts, datasets, settings and the audit log",
}

_FROM = {role: set(ROLES[i:]) for i, role in enumerate(ROLES)}
#: What each role may do: action -> the roles allowed. One table, read by every page.
PERMISSIONS: dict[str, frozenset[str]] = {
    "see_public": frozenset(_FROM["visitor"]),
    "suggest_asset": frozenset(_FROM["contributor"]),
    "see_staff_only": frozenset(_FROM["staff"]),  # staff-only sites, exact sensitive points
    "see_contacts": frozenset(_FROM["staff"]),  # personal contacts
    "edit_assets": frozenset(_FROM["staff"]),
    "log_outreach": frozenset(_FROM["contributor"]),  # a contributor's waits for review
    "review_suggestions": frozenset(_FROM["staff"]),
    "save_views": frozenset(_FROM["staff"]),  # saved views, stories, presenting them
    "manage_branch_staff": frozenset(_FROM["branch_lead"]),
    "manage_datasets": frozenset(_FROM["admin"]),
    "manage_accounts": frozenset(_FROM["admin"]),
    "read_audit_log": frozenset(_FROM["admin"]),
}

MIN_PASSWORD = 12
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
LOCK_AFTER = 5
SLOW_AFTER = 3
RECHECK_SECONDS = 2.0  # how long "no accounts yet" is believed without asking again
_REFUSED = "That e-mail address and password do not match an account."
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("branch", sa.String(200), nullable=False, default=""),
    sa.Column("languages", sa.Text, nullable=False, default="[]"),
    sa.Column("hours_per_month", sa.Integer, nullable=False, default=0),
    sa.Column("password_hash", sa.String(200), nullable=True),  # none: sign-in by OpenID only
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("session_version", sa.Integer, nullable=False, default=1),
    sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("last_failure", sa.DateTime(timezone=True), nullable=True),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(254), nullable=False),
)

audit = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("email", sa.String(254), nullable=False, default=""),
    sa.Column("account_id", sa.Integer, nullable=True),
    sa.Column("by", sa.String(254), nullable=False, default=""),
    sa.Column("detail", sa.String(300), nullable=False, default=""),
    sa.Index("audit_log_at_idx", "at"),
)


@dataclass(frozen=True)
class Account:
    """Who is signed in (never their password or its hash)."""

    id: int
    email: str
    name: str
    role: str
    branch: str
    session_version: int
    languages: tuple[str, ...] = ()
    hours_per_month: int = 0

    @property
    def label(self) -> str:
        """How the account is named in the history: ``Name <e-mail>``."""
        return f"{self.name} <{self.email}>"

    def may(self, action: str) -> bool:
        """True when this account's role may do ``action`` (see :data:`PERMISSIONS`)."""
        return may(self.role, action)


class SignInRefused(DataError):
    """A sign-in that did not succeed; the message says why and, when locked, how long."""


def may(role: str, action: str) -> bool:
    """True when ``role`` may do ``action``.

    Examples
    --------
    >>> may("staff", "see_contacts"), may("contributor", "see_contacts")
    (True, False)
    """
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}")
    return role in PERMISSIONS[action]


def may_edit_asset(account: Account, asset_branch: str, *, own_branch_only: bool) -> bool:
    """True when the account may edit an asset of ``asset_branch``. With
    ``own_branch_only`` (a library's setting), staff and branch leads edit only their own
    branch's assets (and assets of no branch); administrators edit every asset.

    Examples
    --------
    >>> ana = Account(1, "ana@lib.org", "Ana", "staff", "Rogers Park", 1)
    >>> may_edit_asset(ana, "Austin", own_branch_only=True), may_edit_asset(ana, "Austin",
    ...                                                                     own_branch_only=False)
    (False, True)
    """
    if not account.may("edit_assets"):
        return False
    if not own_branch_only or account.role == "admin":
        return True
    return asset_branch.strip() in ("", account.branch.strip())


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def clean_email(text: str) -> str:
    """Return an e-mail address trimmed and lower-cased; :class:`DataError` if it is none.

    Examples
    --------
    >>> clean_email("  Ana.Ruiz@Library.ORG ")
    'ana.ruiz@library.org'
    """
    email = (text or "").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise DataError(f"{text!r} is not an e-mail address (like name@library.org)")
    return email


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Refuse a password that is too short or is the person's e-mail address or name."""
    if len(password) < MIN_PASSWORD:
        raise DataError(f"a password needs at least {MIN_PASSWORD} characters (a few words "
                        "make a good one)")
    if len(password) > 1024:
        raise DataError("a password may have at most 1024 characters")
    lowered = password.strip().lower()
    if lowered in {email.lower(), email.split("@")[0].lower(), name.strip().lower()}:
        raise DataError("a password must not be your e-mail address or name")


class Accounts:
    """The accounts of one asset database, and its audit log.

    ``clock`` is for tests (a callable returning an aware UTC datetime).
    """

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = _now,
                 hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        self._unknown = AttemptLimiter(limit=LOCK_AFTER, window=FAILURE_WINDOW.total_seconds(),
                                       lockout=LOCKOUT.total_seconds(),
                                       clock=lambda: self._clock().timestamp())
        self._dummy = self._hasher.hash("not a password of anyone's")
        self._exist = False
        self._checked = -RECHECK_SECONDS - 1.0

    # ------------------------------------------------------------ reading

    def count(self) -> int:
        """How many accounts exist (none: the copy runs single-user, as before accounts)."""
        with self.store.reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(accounts)).scalar_one())

    def exist(self) -> bool:
        """True once the database has an account. Every page asks, several times per
        rerun. Accounts are disabled, never deleted, so a yes is remembered; a no is
        remembered for :data:`RECHECK_SECONDS` (an account made through this object counts
        at once; one made by another process within seconds). A database restored from a
        backup made before any account needs the app restarted."""
        now = time.monotonic()
        if not self._exist and now - self._checked > RECHECK_SECONDS:
            self._exist = self.count() > 0
            self._checked = now
        return self._exist

    def get(self, account_id: int) -> Account | None:
        """The account, or ``None`` when there is none or it is disabled."""
        with self.store.reading() as conn:
            row = conn.execute(accounts.select().where(accounts.c.id == account_id)
                               ).mappings().first()
        return _account(row) if row is not None and row["active"] else None

    def by_email(self, email: str) -> Account | None:
        """The active account with this e-mail address (for OpenID sign-in), or ``None``."""
        try:
            address = clean_email(email)
        except DataError:
            return None
        with self.store.reading() as conn:
            row = conn.execute(accounts.select().where(accounts.c.email == address)
                               ).mappings().first()
        return _account(row) if row is not None and row["active"] else None

    def current(self, account_id: int, session_version: int) -> Account | None:
        """The account of a session, or ``None`` when the session no longer counts (the
        account was disabled, or its password or role changed since the session began)."""
        account = self.get(account_id)
        if account is None or account.session_version != session_version:
            return None
        return account

    def frame(self) -> pd.DataFrame:
        """Every account for the admin page (no password hash)."""
        cols = [accounts.c[c] for c in ("id", "email", "name", "role", "branch", "languages",
                                        "hours_per_month", "active", "locked_until",
                                        "created_at", "created_by")]
        with self.store.reading() as conn:
            rows = conn.execute(sa.select(*cols).order_by(accounts.c.name)).mappings().all()
        frame = pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in cols])
        frame["languages"] = frame["languages"].map(lambda v: tuple(json.loads(v or "[]")))
        now = self._clock()
        frame["locked"] = frame["locked_until"].map(lambda t: bool(t) and _aware(t) > now)
        return frame.drop(columns=["locked_until"])

    def audit_log(self, *, limit: int = 500) -> pd.DataFrame:
        """The newest entries of the audit log first."""
        with self.store.reading() as conn:
            rows = conn.execute(audit.select().order_by(audit.c.id.desc()).limit(limit)
                                ).mappings().all()
        return pd.DataFrame([dict(r) for r in rows],
                            columns=["id", "at", "event", "email", "account_id", "by", "detail"])

    # ------------------------------------------------------------ changes

    def create(self, *, email: str, name: str, role: str, password: str | None, by: str,
               branch: str = "", languages: Iterable[str] = (), hours_per_month: int = 0
               ) -> Account:
        """Add an account; :class:`DataError` says what to fix. ``password`` ``None``: the
        person signs in only through the library's OpenID provider (Google, Microsoft)."""
        address = clean_email(email)
        name = (name or "").strip()
        if not name or len(name) > 200:
            raise DataError("give the person's name (at most 200 characters)")
        _check_role(role)
        codes = parse_languages(tuple(languages))
        if not 0 <= int(hours_per_month) <= 744:
            raise DataError("hours per month set aside must be between 0 and 744")
        digest = None
        if password is not None:
            check_password(password, email=address, name=name)
            digest = self._hasher.hash(password)
        now = self._clock()
        with self.store.writing() as conn:
            taken = conn.execute(sa.select(accounts.c.id).where(accounts.c.email == address)
                                 ).first()
            if taken is not None:
                raise DataError(f"there is already an account for {address}")
            new_id = conn.execute(accounts.insert().values(
                email=address, name=name, role=role, branch=(branch or "").strip()[:200],
                languages=json.dumps(list(codes)), hours_per_month=int(hours_per_month),
                password_hash=digest, active=True, session_version=1, failures=0,
                created_at=now, created_by=by[:254])).inserted_primary_key[0]
            _audit(conn, now, "account created", email=address, account_id=new_id, by=by,
                   detail=f"role {role}" + (f", branch {branch}" if branch else ""))
        self._exist = True
        account = self.get(int(new_id))
        assert account is not None
        return account

    def update(self, account_id: int, *, by: str, role: str | None = None,
               branch: str | None = None, name: str | None = None,
               languages: Iterable[str] | None = None, hours_per_month: int | None = None,
               active: bool | None = None) -> None:
        """Change an account. A new role or disabling it ends its sessions. The last
        active administrator cannot be demoted or disabled (someone must manage accounts)."""
        values: dict[str, Any] = {}
        if role is not None:
            _check_role(role)
            values["role"] = role
        if branch is not None:
            values["branch"] = branch.strip()[:200]
        if name is not None:
            if not name.strip() or len(name.strip()) > 200:
                raise DataError("give the person's name (at most 200 characters)")
            values["name"] = name.strip()
        if languages is not None:
            values["languages"] = json.dumps(list(parse_languages(tuple(languages))))
        if hours_per_month is not None:
            if not 0 <= int(hours_per_month) <= 744:
                raise DataError("hours per month set aside must be between 0 and 744")
            values["hours_per_month"] = int(hours_per_month)
        if active is not None:
            values["active"] = bool(active)
        if not values:
            return
        now = self._clock()
        with self.store.writing() as conn:
            row = conn.execute(accounts.select().where(accounts.c.id == account_id)
                               ).mappings().first()
            if row is None:
                raise DataError(f"no account {account_id}")
            losing_admin = row["role"] == "admin" and row["active"] and (
                values.get("role", "admin") != "admin" or values.get("active") is False)
            if losing_admin:
                admins = conn.execute(sa.select(sa.func.count()).select_from(accounts).where(
                    accounts.c.role == "admin", accounts.c.active.is_(True))).scalar_one()
                if admins <= 1:
                    raise DataError("this is the only active administrator: make someone "
                                    "else an administrator first")
            ends_sessions = ("role" in values and values["role"] != row["role"]) or \
                values.get("active") is False
            if ends_sessions:
                values["session_version"] = row["session_version"] + 1
            conn.execute(accounts.update().where(accounts.c.id == account_id).values(**values))
            changed = ", ".join(f"{k} {v}" for k, v in values.items()
                                if k not in ("session_version", "languages"))
            _audit(conn, now, "account changed", email=row["email"], account_id=account_id,
                   by=by, detail=changed or "languages")

    def set_password(self, account_id: int, password: str, *, by: str) -> None:
        """Give an account a new password; its other sessions end, a lock is lifted."""
        now = self._clock()
        with self.store.writing() as conn:
            row = conn.execute(accounts.select().where(accounts.c.id == account_id)
                               ).mappings().first()
            if row is None:
                raise DataError(f"no account {account_id}")
            check_password(password, email=row["email"], name=row["name"])
            conn.execute(accounts.update().where(accounts.c.id == account_id).values(
                password_hash=self._hasher.hash(password), failures=0, locked_until=None,
                session_version=row["session_version"] + 1))
            _audit(conn, now, "password set", email=row["email"], account_id=account_id, by=by)

    def unlock(self, account_id: int, *, by: str) -> None:
        """Lift a lockout before its time (an administrator who knows who it was)."""
        now = self._clock()
        with self.store.writing() as conn:
            row = conn.execute(accounts.select().where(accounts.c.id == account_id)
                               ).mappings().first()
            if row is None:
                raise DataError(f"no account {account_id}")
            conn.execute(accounts.update().where(accounts.c.id == account_id).values(
                failures=0, locked_until=None))
            _audit(conn, now, "unlocked", email=row["email"], account_id=account_id, by=by)

    # ------------------------------------------------------------ signing in

    def sign_in(self, email: str, password: str) -> Account:
        """Return the account for this e-mail address and password, or raise
        :class:`SignInRefused` (wrong pair, wait, or locked; the message says which).
        The count of failures and the audit entry are saved either way."""
        now = self._clock()
        typed = (email or "").strip().lower()[:254]
        with self.store.writing() as conn:
            outcome = self._attempt(conn, now, typed, password)
        if isinstance(outcome, str):
            raise SignInRefused(outcome)
        return outcome

    def _attempt(self, conn: sa.Connection, now: datetime, typed: str, password: str
                 ) -> Account | str:
        """One sign-in attempt, in the caller's transaction: the account, or why not."""
        row = conn.execute(accounts.select().where(accounts.c.email == typed)).mappings().first()
        if row is None or not row["active"] or not row["password_hash"]:
            return self._refuse_unknown(conn, now, typed, password)
        locked = _aware(row["locked_until"])
        if locked and locked > now:
            _audit(conn, now, "refused: locked", email=typed, account_id=row["id"])
            return _locked_message(locked - now)
        failures = row["failures"] if _recent(row["last_failure"], now) else 0
        wait = _slow_down(failures) - (now - (_aware(row["last_failure"]) or now))
        if failures >= SLOW_AFTER and wait > timedelta(0):
            _audit(conn, now, "refused: too fast", email=typed, account_id=row["id"])
            return f"Too many tries: wait {_seconds(wait)} before the next."
        if not self._verify(row["password_hash"], password):
            failures += 1
            values: dict[str, Any] = {"failures": failures, "last_failure": now}
            if failures >= LOCK_AFTER:
                values.update(locked_until=now + LOCKOUT, failures=0)
            conn.execute(accounts.update().where(accounts.c.id == row["id"]).values(**values))
            _audit(conn, now, "sign-in failed", email=typed, account_id=row["id"],
                   detail=f"failure {failures} in a row")
            if failures >= LOCK_AFTER:
                _audit(conn, now, "locked", email=typed, account_id=row["id"],
                       detail=f"for {int(LOCKOUT.total_seconds() // 60)} minutes")
                return _locked_message(LOCKOUT)
            return _REFUSED
        values = {"failures": 0, "last_failure": None, "locked_until": None}
        if self._hasher.check_needs_rehash(row["password_hash"]):
            values["password_hash"] = self._hasher.hash(password)
        conn.execute(accounts.update().where(accounts.c.id == row["id"]).values(**values))
        _audit(conn, now, "signed in", email=typed, account_id=row["id"])
        return _account(row)

    def signed_in_by_provider(self, email: str) -> Account | None:
        """The account of someone the library's OpenID provider vouched for (audited)."""
        account = self.by_email(email)
        with self.store.writing() as conn:
            _audit(conn, self._clock(), "signed in (OpenID)" if account else
                   "refused: no account (OpenID)",
                   email=account.email if account else (email or "").strip().lower(),
                   account_id=account.id if account else None)
        return account

    def signed_out(self, account: Account, *, reason: str = "") -> None:
        """Record a sign-out (``reason``: for example that the session expired)."""
        with self.store.writing() as conn:
            _audit(conn, self._clock(), "signed out", email=account.email,
                   account_id=account.id, detail=reason)

    def _verify(self, digest: str, password: str) -> bool:
        try:
            return self._hasher.verify(digest, password)
        except (VerificationError, InvalidHashError):
            return False

    def _refuse_unknown(self, conn: sa.Connection, now: datetime, typed: str,
                        password: str) -> str:
        """The same answer, and about the same time, as a wrong password."""
        self._verify(self._dummy, password)
        key = f"unknown:{typed}"
        if self._unknown.locked_for(key) > 0:
            _audit(conn, now, "refused: locked", email=typed)
            return _locked_message(timedelta(seconds=self._unknown.locked_for(key)))
        self._unknown.failed(key)
        _audit(conn, now, "sign-in failed", email=typed, detail="no such active account")
        return _REFUSED


def _account(row: Any) -> Account:
    return Account(id=int(row["id"]), email=row["email"], name=row["name"], role=row["role"],
                   branch=row["branch"] or "", session_version=int(row["session_version"]),
                   languages=tuple(json.loads(row["languages"] or "[]")),
                   hours_per_month=int(row["hours_per_month"] or 0))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise DataError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")


def _recent(moment: datetime | None, now: datetime) -> bool:
    moment = _aware(moment)
    return moment is not None and now - moment < FAILURE_WINDOW


def _slow_down(failures: int) -> timedelta:
    """The wait before the next try after ``failures`` in a row: 2, 4, 8 ... s (1 min at most)."""
    if failures < SLOW_AFTER:
        return timedelta(0)
    return timedelta(seconds=min(60, 2 ** (failures - SLOW_AFTER + 1)))


def _seconds(wait: timedelta) -> str:
    s = max(1, round(wait.total_seconds()))
    return f"{s} second{'s' if s != 1 else ''}"


def _locked_message(left: timedelta) -> str:
    minutes = max(1, round(left.total_seconds() / 60))
    return (f"This account is locked after too many wrong passwords: try again in {minutes} "
            "minute(s), or ask an administrator to unlock it.")


def _audit(conn: sa.Connection, at: datetime, event: str, *, email: str = "",
           account_id: int | None = None, by: str = "", detail: str = "") -> None:
    conn.execute(audit.insert().values(at=at, event=event, email=email[:254],
                                       account_id=account_id, by=by[:254], detail=detail[:300]))

