"""The engine: scenarios, worlds, scheduling, checks, statistics, results, reports, the HTTP door."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dtu")
except PackageNotFoundError:  # running from a checkout
    __version__ = "0.0.0+local"
