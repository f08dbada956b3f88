"""Maps the top-level folders under one namespace: runner/ -> dtu.runner, twins/ -> dtu.twins,
agents/ -> dtu.agents. dtu never installs a bare `runner` or `agents` module (the OpenAI Agents
SDK owns the import name `agents`); `dtu` itself is an implicit namespace package."""

from setuptools import find_packages, setup

TOPS = ("runner", "twins", "agents")
packages: list[str] = []
package_dir: dict[str, str] = {}
for top in TOPS:
    package_dir[f"dtu.{top}"] = top
    packages.append(f"dtu.{top}")
    packages += [f"dtu.{top}.{sub}" for sub in find_packages(top)]

setup(packages=packages, package_dir=package_dir)
