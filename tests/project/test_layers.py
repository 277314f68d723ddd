"""The shape of the code that the layer contract (pyproject, `lint-imports`) cannot see."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["people", "cases", "sharing", "notifications", "missing", "triage", "reports"]
# Modules that change state or read it for any caller: pages, the API, tasks and commands.
SERVICE_MODULES = sorted(
    path
    for app in APPS
    for name in ("services.py", "selectors.py", "tokens.py", "access.py", "registry.py")
    if (path := ROOT / app / name).exists()
)


def _functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef):
            yield node


@pytest.mark.parametrize("path", SERVICE_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_services_take_the_person_not_the_http_request(path):
    """Where an action came from is the audit context (audit/context.py), not a parameter."""
    taking = [
        f"{fn.name}()"
        for fn in _functions(path)
        for arg in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)
        if arg.arg == "request"
    ]
    assert taking == []


def test_no_module_imports_another_modules_private_name():
    private = []
    for app in [*APPS, "audit", "safeguarding"]:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.level == 0:
                    private += [
                        f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"
                        for alias in node.names
                        if alias.name.startswith("_") and not alias.name.startswith("__")
                    ]
    assert private == []
