"""A 4D REST server emulator with a realistic generated legacy dataset (see emulator/README.md)."""

from emulator.cli import main
from emulator.defects import DefectRates
from emulator.faults import Faults
from emulator.http_server import RequestRecord
from emulator.mutations import Changes
from emulator.server import EmulatorServer

__all__ = ["Changes", "DefectRates", "EmulatorServer", "Faults", "RequestRecord", "main"]
