"""Installs that are the same everywhere (issue 12.7): the venv holds exactly the versions of
requirements.lock, and pyproject.toml bounds every dependency's major version."""

import importlib.util
import re
import sys
import sysconfig
import tomllib
from importlib.metadata import distributions
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

from tests.conftest import PROJECT_ROOT

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = (PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8")
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)(?:\s*;\s*([^\\]+?))?\s*\\?$", re.M)


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_installed_package_of_the_lock_has_the_locked_version():
    locked: dict[str, str] = {}  # the pin whose environment marker holds here (numpy has one per Python)
    for name, version, marker in PIN.findall(LOCK):
        if not marker or Marker(marker).evaluate():
            locked[normalized(name)] = version
    installed = {normalized(dist.metadata["Name"]): dist.version for dist in distributions()}
    project = normalized(PYPROJECT["project"]["name"])
    required = [normalized(Requirement(r).name) for r in PYPROJECT["project"]["dependencies"]]
    required += [normalized(Requirement(r).name) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]]
    assert all(name in locked for name in required), "requirements.lock is stale: run `make lock`"
    differing = {
        name: (installed[name], version)
        for name, version in locked.items()
        if name != project and installed.get(name) != version
    }
    assert differing == {}, "installed (left) differs from requirements.lock (right): run `make setup`"


def test_every_dependency_has_an_upper_bound_on_its_major_version():
    requirements = [*PYPROJECT["project"]["dependencies"], *PYPROJECT["project"]["optional-dependencies"]["dev"]]
    for text in requirements:
        specifier = Requirement(text).specifier
        assert any(spec.operator in {"<", "=="} for spec in specifier), f"{text} has no upper bound"


def test_every_installed_module_a_build_imports_has_its_bytecode():
    """`make setup` compiles the installed packages: without their bytecode every process compiles
    Dagster, pandas and the rest from source again where PYTHONDONTWRITEBYTECODE is set (as on CI
    machines), and a one-document build took 14.5 s instead of 8."""
    import pipeline.definitions  # noqa: F401  (what a build imports: Dagster, pandas, pandera, DuckDB, pyarrow)

    packages = sysconfig.get_paths()["purelib"]
    sources = {
        module.__file__
        for module in list(sys.modules.values())
        if (getattr(module, "__file__", None) or "").startswith(packages) and module.__file__.endswith(".py")
    }
    assert len(sources) > 500, "the build's imports were not loaded"
    missing = sorted(path for path in sources if not Path(importlib.util.cache_from_source(path)).exists())
    assert missing == [], f"{len(missing)} of {len(sources)} modules have no bytecode, e.g. {missing[:3]}"
