"""The package exports what it claims, and importing it stays cheap."""

from __future__ import annotations

import importlib
import subprocess
import sys

import exportwatch.taxonomy

MODULES = ["codes", "countries", "loading", "markets", "sectors"]


def test_exported_names_exist_and_come_from_public_modules() -> None:
    public = set()
    for module_name in MODULES:
        module = importlib.import_module(f"exportwatch.taxonomy.{module_name}")
        for name in module.__all__:
            assert hasattr(module, name), f"{module_name}.{name}"
        public |= set(module.__all__)
    for name in exportwatch.taxonomy.__all__:
        assert getattr(exportwatch.taxonomy, name) is not None
    assert set(exportwatch.taxonomy.__all__) <= public


def test_import_does_not_load_country_data() -> None:
    heavy = ("pycountry", "country_converter", "pandas")
    code = f"import sys, exportwatch.taxonomy; print([m for m in {heavy} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
