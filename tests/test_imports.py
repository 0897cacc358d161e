"""The dependency rule of DESIGN.md as a test over the source: arrows point inward only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "network"

FACE_FOLDERS = ("network.api", "network.portal")
# network.jobs is the faces' shared arq facade (enqueue by name): face-side, used by all faces.
FACE_MODULES = ("network.app", "network.cli", "network.jobs")
# What only a face may import: the web and job frameworks, and the faces themselves.
FACE_ONLY = (
    "fastapi",
    "starlette",
    "strawberry",
    "graphql",
    "arq",
    "network.api",
    "network.portal",
    "workers",
)
# Email rendering is a domain concern of messaging; nowhere else in the domain renders templates.
JINJA_ALLOWED = ("network.messaging",)
# The web app enqueues jobs by name; of the faces only the command line starts a worker.
WORKERS_ALLOWED = ("network.cli",)


def module_name(path: Path) -> str:
    """The dotted module name of a file under the repository root."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module a source file imports (relative imports resolved), wherever it imports it."""
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    """Whether a dotted name is one of the prefixes or inside one of them."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(module: str, names: set[str]) -> list[str]:
    """The imports of `module` that break the dependency rule, as 'module -> name'."""
    found: set[str] = set()
    is_face = within(module, FACE_FOLDERS) or module in FACE_MODULES
    for name in names:
        if not is_face and within(name, FACE_ONLY):
            found.add(name)
        if within(name, ("workers",)) and not within(module, WORKERS_ALLOWED):
            found.add(name)
        if within(name, ("jinja2",)) and not (
            within(module, JINJA_ALLOWED) or within(module, ("network.portal",))
        ):
            found.add(name)
    return sorted(f"{module} -> {name}" for name in found)


def source_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_package_obeys_the_dependency_rule() -> None:
    problems: list[str] = []
    for path in source_files():
        module = module_name(path)
        names = imported_names(
            path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py"
        )
        problems.extend(violations(module, names))
    assert problems == []


def test_the_checker_sees_every_module() -> None:
    modules = {module_name(p) for p in source_files()}
    assert {"network.members.service", "network.api.schema", "network.cli"} <= modules


# ------------------------------------------------------------------ the checker itself


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "network.members.service",
            "import strawberry\n",
            ["network.members.service -> strawberry"],
        ),
        (
            "network.members.service",
            "from fastapi import Request\n",
            ["network.members.service -> fastapi", "network.members.service -> fastapi.Request"],
        ),
        (
            "network.contacts.service",
            "def later():\n    from network.api.types import Contact\n",
            [
                "network.contacts.service -> network.api.types",
                "network.contacts.service -> network.api.types.Contact",
            ],
        ),
        (
            "network.programme.service",
            "from ..api import schema\n",
            [
                "network.programme.service -> network.api",
                "network.programme.service -> network.api.schema",
            ],
        ),
        ("network.kit.ids", "import arq.connections\n", ["network.kit.ids -> arq.connections"]),
        (
            "network.db",
            "from starlette.requests import Request\n",
            [
                "network.db -> starlette.requests",
                "network.db -> starlette.requests.Request",
            ],
        ),
        ("network.members.service", "import jinja2\n", ["network.members.service -> jinja2"]),
        (
            "network.kit.text",
            "from jinja2 import Environment\n",
            [
                "network.kit.text -> jinja2",
                "network.kit.text -> jinja2.Environment",
            ],
        ),
        ("network.messaging.render", "import jinja2\n", []),
        (
            "network.messaging.render",
            "import strawberry\n",
            ["network.messaging.render -> strawberry"],
        ),
        (
            "network.members.service",
            "import workers.main\n",
            ["network.members.service -> workers.main"],
        ),
        (
            "network.api.mutations",
            "from workers import main\n",
            [
                "network.api.mutations -> workers",
                "network.api.mutations -> workers.main",
            ],
        ),
        ("network.app", "import workers\n", ["network.app -> workers"]),
        ("network.cli", "from workers.main import WorkerSettings\n", []),
        ("network.api.schema", "import strawberry\nfrom fastapi import FastAPI\n", []),
        ("network.portal.routes", "import jinja2\nfrom fastapi import APIRouter\n", []),
        ("network.members.service", "from network.members.models import Member\n", []),
        ("network.members.service", "import fastapi_utils_lookalike\n", []),
    ],
)
def test_the_checker_flags_violations_and_only_them(
    module: str, source: str, expected: list[str]
) -> None:
    assert violations(module, imported_names(source, module)) == expected


def test_relative_imports_resolve_from_the_importing_module() -> None:
    assert imported_names("from . import models\n", "network.members.service") == {
        "network.members",
        "network.members.models",
    }
    assert imported_names("from .. import api\n", "network.members", is_package=True) == {
        "network",
        "network.api",
    }
