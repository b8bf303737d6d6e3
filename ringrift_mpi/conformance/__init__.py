"""Conformance checks against RingRift's own fixtures: ``python -m ringrift_mpi.conformance FILE...``."""
from .cli import main

__all__ = ["main"]
