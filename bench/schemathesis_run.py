"""Schemathesis over the hub's OpenAPI, in process: does every answer match the document?

Usage (from the repository root, with the hub's virtualenv):

    .venv/bin/python bench/schemathesis_run.py [--max-examples N] [--seed S]
                                               [--db sqlite|postgres] [--stateful]

A fresh hub (a temporary SQLite file, or a fresh database on the PostgreSQL of
tests/conftest.py), its clock standing on a working Monday morning, is driven through
its ASGI app with an administrator's bearer token, so every operation is reached past
authentication. Schemathesis generates requests from `/api/openapi.json` (its examples,
coverage and fuzzing phases; `--stateful` adds the phase that follows links) and checks
every answer: no server error, a documented status code, content type, body schema and
headers, 405 for an undocumented method, 401 where the document asks for a token.
The script prints the cases sent, the operations reached and each failure, and exits
1 when there is one. The hub's own exceptions (a 500 in production) surface as errors.

The security tier runs the same with few examples (tests/security/test_schemathesis.py);
this is the longer run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.engine import Status, events, from_schema

# The checks of the document's truth. `positive_data_acceptance` and
# `negative_data_rejection` are left out: they ask that every schema-valid request
# succeed and every schema-invalid one fail, which a hub with rules beyond types (a
# zone must exist, lunch must fall within opening hours) and with pydantic's lax
# coercion ("1" is an int) does not promise.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "allow_header_conformance",
    # Authentication documented is authentication enforced: without the token, 401.
    "ignored_auth",
    "unsupported_method",
    "missing_required_header",
    # The stateful phase's: a deleted resource is gone, a created one is there.
    "use_after_free",
    "ensure_resource_availability",
)
# Monday 23 November 2026, 10:00 in Almaty: the center is open (as in tests/conftest.py).
WORKING_MOMENT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Failure:
    check: str
    operation: str
    title: str
    message: str

    def __str__(self) -> str:
        message = self.message.strip().replace("\n", "\n      ")
        return f"{self.check} · {self.operation}: {self.title}\n      {message}"


@dataclass
class Outcome:
    cases: int = 0
    failing_cases: int = 0
    operations: set[str] = field(default_factory=set)
    failed_checks: Counter[str] = field(default_factory=Counter)
    failures: dict[tuple[str, str, str], Failure] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return self.failed_checks["not_a_server_error"]

    def report(self) -> str:
        lines = [f"{self.cases} cases over {len(self.operations)} operations "
                 f"in {self.seconds:.1f} s; {self.failing_cases} answers failed; failed checks: "
                 f"{dict(self.failed_checks) or 'none'}; errors: {len(self.errors)}"]
        lines += [f"  {failure}" for failure in self.failures.values()]
        lines += [f"  error: {error}" for error in self.errors]
        return "\n".join(lines)


def configuration(token: str, *, max_examples: int, seed: int,
                  stateful: bool) -> schemathesis.Config:
    checks: dict[str, Any] = {"enabled": False}
    checks.update({name: {"enabled": True} for name in CHECKS})
    return schemathesis.Config.from_dict({
        "seed": seed,
        # Count every failing answer, not only the first of each operation.
        "continue-on-failure": True,
        # Nothing left behind in the working tree (.schemathesis/).
        "cache": {"enabled": False},
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"max-examples": max_examples, "deterministic": True,
                       "database": "none"},
        "checks": checks,
        "phases": {"stateful": {"enabled": stateful}},
    })


def run(app: Any, token: str, *, max_examples: int, seed: int = 17,
        stateful: bool = False) -> Outcome:
    """Every operation of `app`'s document, as an administrator, with every check."""
    config = configuration(token, max_examples=max_examples, seed=seed, stateful=stateful)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, config=config)
    outcome = Outcome()
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _count(outcome, event.recorder)
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            outcome.errors.append(f"fatal: {event.exception!r}")
    outcome.seconds = time.monotonic() - started
    return outcome


def _count(outcome: Outcome, recorder: Any) -> None:
    outcome.cases += len(recorder.cases)
    for node in recorder.cases.values():
        outcome.operations.add(node.value.operation.label)
    for checks in recorder.checks.values():
        if any(check.status == Status.FAILURE for check in checks):
            outcome.failing_cases += 1
        for check in checks:
            if check.status != Status.FAILURE or check.failure_info is None:
                continue
            outcome.failed_checks[check.name] += 1
            failure = check.failure_info.failure
            key = (check.name, recorder.label, failure.title)
            outcome.failures.setdefault(key, Failure(
                check.name, recorder.label, failure.title, str(failure.message)[:600]))


@contextmanager
def administered_app(data_dir: Path, database_url: str | None = None) -> Iterator[tuple[Any, str]]:
    """The hub's app on a fresh database, and an administrator's bearer token."""
    from hub.api.app import create_app
    from hub.domain.roles import Role
    from hub.services.clock import ManualClock
    from hub.settings import HubSettings
    from hub.wiring import build_hub

    settings = HubSettings(data_dir=data_dir, database_url=database_url, mqtt_enabled=False)
    hub = build_hub(settings, clock=ManualClock(WORKING_MOMENT))
    try:
        token = hub.users.create_token(name="schemathesis-admin", role=Role.ADMINISTRATOR,
                                       actor="schemathesis")
        yield create_app(settings, hub), token
    finally:
        hub.close()


@contextmanager
def _database(kind: str) -> Iterator[str | None]:
    if kind == "sqlite":
        yield None
        return
    import uuid

    import psycopg

    from hub.storage.db import make_engine
    from hub.storage.migrate import upgrade
    from tests.conftest import POSTGRES_ADMIN_URL

    name = f"kezek_schemathesis_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        try:
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            yield url
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100,
                        help="fuzzing examples per operation (default 100)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--stateful", action="store_true",
                        help="also run the stateful phase (follows the document's links)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, _database(args.db) as url, \
            administered_app(Path(tmp) / "data", url) as (app, token):
        outcome = run(app, token, max_examples=args.max_examples, seed=args.seed,
                      stateful=args.stateful)
    print(outcome.report())
    return 1 if outcome.failures or outcome.errors else 0


if __name__ == "__main__":
    sys.exit(main())
