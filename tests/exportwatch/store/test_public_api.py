"""The package exports what it claims, and nothing of the ORM leaks into that surface."""

from __future__ import annotations

import importlib

import exportwatch.store

MODULES = [
    "alerts",
    "database",
    "documents",
    "errors",
    "repository",
    "sources",
    "sql",
    "subscribers",
]


def test_all_names_exist_and_are_sorted() -> None:
    names = exportwatch.store.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(exportwatch.store, name) is not None


def test_every_module_declares_what_it_exports() -> None:
    for module_name in [*MODULES, "tables", "types"]:
        module = importlib.import_module(f"exportwatch.store.{module_name}")
        for name in module.__all__:
            assert hasattr(module, name), f"{module_name}.{name}"


def test_public_surface_has_no_orm_rows() -> None:
    assert not any(name.endswith("Row") for name in exportwatch.store.__all__)
