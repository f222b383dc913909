"""Packages are found, not listed: every package under the project's top-level folders is shipped as
`reformkg.<folder>…`, so a new subpackage cannot be left out of the wheel (tests/test_packaging.py
checks the built wheel). pyproject.toml holds everything else; its [tool.setuptools] cannot do this
because `packages.find` names what it finds after the folder it searches and adds no prefix.
"""
from setuptools import find_packages, setup

FOLDERS = ("graph", "ontology", "queries", "service")

setup(
    package_dir={f"reformkg.{folder}": folder for folder in FOLDERS},
    packages=[f"reformkg.{name}" for name in find_packages(include=[*FOLDERS, *(f"{f}.*" for f in FOLDERS)])],
)
