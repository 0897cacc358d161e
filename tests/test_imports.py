"""What the import contracts (pyproject.toml [tool.importlinter], run by `lint-imports`) rely on.

import-linter checks the layers and the forbidden imports; it cannot see a new package that no
contract names, so these tests make sure every package of network/ is placed in one.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "network"

# Not domain packages: the faces and the infrastructure every layer may use.
FACES = {"api", "portal", "app", "cli", "jobs", "health", "limits", "logs", "proxies"}
INFRASTRUCTURE = {"db", "config", "mailbox", "models", "static"}


def contracts() -> dict[str, dict[str, Any]]:
    """The import-linter contracts of pyproject.toml, by id."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def top_level_names() -> set[str]:
    """The packages and modules directly inside network/ (not network/__init__ itself)."""
    names = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    names |= {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    return names


def layered_names() -> set[str]:
    """The top-level names of network/ that the layers contract places."""
    names: set[str] = set()
    for layer in contracts()["domain-layers"]["layers"]:
        for module in layer.replace("|", ":").split(":"):
            names.add(module.strip().split(".")[0])
    return names


def test_every_package_of_network_is_a_face_infrastructure_or_a_layer() -> None:
    unplaced = top_level_names() - FACES - INFRASTRUCTURE - layered_names()
    assert unplaced == set()


def test_every_domain_package_is_kept_from_the_faces() -> None:
    guarded = {m.removeprefix("network.") for m in contracts()["domain-no-faces"]["source_modules"]}
    assert layered_names() <= guarded


def test_every_module_of_auth_is_placed() -> None:
    # auth is split across two layers (who asks / accounts), module by module.
    layered = {
        module.strip()
        for layer in contracts()["domain-layers"]["layers"]
        for module in layer.replace("|", ":").split(":")
    }
    modules = {f"auth.{p.stem}" for p in (PACKAGE / "auth").glob("*.py") if p.stem != "__init__"}
    assert modules - layered == set()


def test_every_inner_module_of_training_is_behind_its_facade() -> None:
    # The faces may import the facade, the enums and the models; a new inner module of
    # network/training/ must join the facade contract, or a face could bypass the facade.
    public = {"__init__", "service", "enums", "models", "demo"}
    inner = {
        f"network.training.{p.stem}"
        for p in (PACKAGE / "training").glob("*.py")
        if p.stem not in public
    }
    forbidden = set(contracts()["faces-use-the-training-facade"]["forbidden_modules"])
    assert inner == forbidden
