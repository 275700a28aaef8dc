"""The command line of accounts: ``python -m mapping.people create-admin --email ... --name ...``."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from mapping.infra.errors import DataError
from mapping.infra.settings import load_settings
from mapping.people.accounts import Accounts
from mapping.records.store import Store


def main(argv: list[str] | None = None) -> int:
    """The command line: ``create-admin`` makes an administrator account (the first one,
    or another), asking for the password twice (or reading ``NAM_ADMIN_PASSWORD``)."""
    parser = argparse.ArgumentParser(prog="python -m mapping.people",
                                     description="Accounts of the asset database.")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("create-admin", help="create an administrator account")
    make.add_argument("--email", required=True)
    make.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    password = os.environ.get("NAM_ADMIN_PASSWORD") or ""
    if not password:
        password = getpass.getpass("Password (12 characters or more): ")
        if getpass.getpass("The same password again: ") != password:
            print("Not done: the two passwords differ.", file=sys.stderr)
            return 1
    settings = load_settings(os.environ)
    if settings.store_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.store_url)
    try:
        made = Accounts(store).create(email=args.email, name=args.name, role="admin",
                                      password=password, by="command line")
    except DataError as exc:
        print(f"Not done: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"Created the administrator {made.label}. Sign in with it in the app's sidebar.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
