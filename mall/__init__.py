"""mall: a real-time async backend for WeChat mini-program shops."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _installed


def version() -> str:
    """The installed package's version (pyproject.toml)."""
    try:
        return _installed("mall")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
