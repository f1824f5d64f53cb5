"""`assistant agents ...` and `assistant customers ...`: the desk's people and data requests."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.config import get_settings
from assistant.desk.credentials import WeakPasswordError, hash_password, new_api_key
from assistant.store import RecordNotFound, Store, StoreConflict
from assistant.store.configured import open_store

agents_app = typer.Typer(help="Agents of the human desk: add, list, issue API keys.")
customers_app = typer.Typer(help="Data requests: export or delete everything about a customer.")
out = Console()
err = Console(stderr=True)


def _store() -> Store:
    return open_store(get_settings())


def _password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return None


@agents_app.command("add")
def add_agent(
    username: Annotated[str, typer.Argument(help="Login name, unique.")],
    team: Annotated[str, typer.Option(help="One of the desk's teams (ASSISTANT_DESK__TEAMS).")],
    admin: Annotated[
        bool, typer.Option("--admin", help="May act on every team's tickets.")
    ] = False,
    name: Annotated[str | None, typer.Option(help="Display name (default: the username).")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an agent (with a password from stdin, else prompted; or none: API key only)."""
    teams = get_settings().desk.teams
    if team not in teams:
        err.print(f"[bold red]error:[/] unknown team {team!r}: one of {', '.join(teams)}")
        raise typer.Exit(2)
    password = _password(password_stdin)
    if password is None and sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        hashed = hash_password(password) if password else None
        _store().create_agent(
            username, team=team, display_name=name, is_admin=admin, password_hash=hashed
        )
    except WeakPasswordError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    except StoreConflict as exc:
        err.print(f"[bold red]error:[/] agent {username!r} already exists")
        raise typer.Exit(2) from exc
    out.print(f"agent {username} added to team {team}{' (admin)' if admin else ''}")


@agents_app.command("key")
def issue_key(username: Annotated[str, typer.Argument(help="The agent's login name.")]) -> None:
    """Issue a new API key (replacing the old one); it is printed once, store it now."""
    store = _store()
    if store.get_agent(username) is None:
        err.print(f"[bold red]error:[/] no agent {username!r}")
        raise typer.Exit(2)
    key, key_hash = new_api_key()
    store.update_agent(username, api_key_hash=key_hash)
    print(key)


@agents_app.command("list")
def list_agents() -> None:
    """Every agent with team, rights and credentials (never the secrets)."""
    table = Table("username", "name", "team", "admin", "password", "api key", "active")
    for agent in _store().agents():
        table.add_row(
            agent.username, agent.display_name, agent.team, "yes" if agent.is_admin else "",
            "set" if agent.password_hash else "", "set" if agent.api_key_hash else "",
            "yes" if agent.active else "no",
        )  # fmt: skip
    out.print(table)


@customers_app.command("export")
def export_customer(customer_id: Annotated[str, typer.Argument(help="The customer's id.")]) -> None:
    """Print everything stored about a customer as JSON."""
    try:
        exported = _store().export_customer(customer_id)
    except RecordNotFound as exc:
        err.print(f"[bold red]error:[/] no customer {customer_id!r}")
        raise typer.Exit(2) from exc
    print(json.dumps(exported, indent=2, default=str))


@customers_app.command("delete")
def delete_customer(
    customer_id: Annotated[str, typer.Argument(help="The customer's id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
) -> None:
    """Delete a customer: profile, identities, conversations, messages, links (analytics stay,
    anonymised; an opt-out stays as a suppression entry)."""
    if not yes:
        err.print("[bold red]error:[/] deleting cannot be undone: pass --yes")
        raise typer.Exit(2)
    try:
        deleted = _store().delete_customer(customer_id)
    except RecordNotFound as exc:
        err.print(f"[bold red]error:[/] no customer {customer_id!r}")
        raise typer.Exit(2) from exc
    out.print(", ".join(f"{count} {name}" for name, count in deleted.items()))
