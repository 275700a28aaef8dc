"""Accounts and the audit log: each person signs in as themselves

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

``accounts`` holds people (e-mail, name, role, branch, languages spoken, hours per month
set aside for community work), an Argon2id password hash (none for people who sign in
only through the library's OpenID provider), and the state of sign-in protection
(failures in a row, the last one, locked until). ``session_version`` grows when a
password or role changes or the account is disabled, which ends its open sessions.
``audit_log`` keeps sign-ins, failures, lockouts and every change to an account.
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("branch", sa.String(200), nullable=False, server_default=""),
        sa.Column("languages", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("hours_per_month", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_failure", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("email", sa.String(254), nullable=False, server_default=""),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(254), nullable=False, server_default=""),
        sa.Column("detail", sa.String(300), nullable=False, server_default=""),
    )
    op.create_index("audit_log_at_idx", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_index("audit_log_at_idx", "audit_log")
    op.drop_table("audit_log")
    op.drop_table("accounts")
