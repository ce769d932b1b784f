"""Map the top-level folders (crawlers/, pipeline/, search/, alerts/) into ``exportwatch.*``.

The folders stay top-level as the product layout asks, but are never installed as generic
top-level packages called ``search`` or ``pipeline``. Subpackages are discovered, so a new
folder with an ``__init__.py`` needs no edit here.
"""

from setuptools import find_packages, setup

MAPPED_FOLDERS = ("crawlers", "pipeline", "search", "alerts")

package_dir = {"exportwatch": "exportwatch"}
packages = find_packages(include=["exportwatch", "exportwatch.*"])
for folder in MAPPED_FOLDERS:
    name = f"exportwatch.{folder}"
    package_dir[name] = folder
    packages += [name, *(f"{name}.{sub}" for sub in find_packages(folder))]

setup(package_dir=package_dir, packages=packages)
