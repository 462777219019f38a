"""Installs that are the same everywhere (issue 12.7): the venv holds exactly the versions of
requirements.lock, and pyproject.toml bounds every dependency's major version."""

import re
import tomllib
from importlib.metadata import distributions

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
