"""Services are use cases given their collaborators: none of them reaches for the
whole hub (hub.wiring builds them; adapters hold the hub)."""

from __future__ import annotations

import ast
from pathlib import Path

import hub.services

SERVICES = Path(hub.services.__file__).parent


def imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_service_imports_the_wiring() -> None:
    modules = sorted(SERVICES.rglob("*.py"))
    assert len(modules) > 20  # the services are where this test looks
    offenders = [str(m.relative_to(SERVICES)) for m in modules
                 if any(name == "hub.wiring" or name.startswith("hub.wiring.")
                        for name in imported_modules(m))]
    assert offenders == []


def test_the_check_sees_an_import_of_the_wiring(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text("def f():\n    from hub.wiring import Hub\n    return Hub\n")
    assert "hub.wiring" in imported_modules(module)
    module.write_text("import hub.wiring as w\n")
    assert "hub.wiring" in imported_modules(module)
