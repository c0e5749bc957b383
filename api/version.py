"""The installed version of the `autoledger` distribution."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("autoledger")
except PackageNotFoundError:  # running from a checkout that was never installed
    VERSION = "0+unknown"
