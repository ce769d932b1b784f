"""The package exports what its modules declare public, sorted, and every module has `__all__`."""

from __future__ import annotations

import importlib

import exportwatch.crawlers

MODULES = ["definitions", "extraction", "feeds", "fetching", "html_crawl", "loading", "polling"]


def test_exported_names_exist_and_are_sorted() -> None:
    names = exportwatch.crawlers.__all__
    assert names == sorted(names, key=lambda name: (not name.isupper(), name))
    for name in names:
        assert getattr(exportwatch.crawlers, name) is not None


def test_exports_come_from_the_modules_public_names() -> None:
    public: set[str] = set()
    for module_name in MODULES:
        module = importlib.import_module(f"exportwatch.crawlers.{module_name}")
        for name in module.__all__:
            assert hasattr(module, name), f"{module_name}.{name}"
        public |= set(module.__all__)
    assert set(exportwatch.crawlers.__all__) <= public
