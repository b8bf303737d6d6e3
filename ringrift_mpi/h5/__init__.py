"""``ringrift-h5`` (also ``python -m ringrift_mpi.h5``): inspect every file the suite writes.

- ``cli``: the verbs and their exit codes; ``targets``: FILE|DIR -> files and their formats;
- ``dispatch``: the table (verb, format) -> function, filled by the modules of ``kinds``;
- ``tree`` (``ls``), ``render`` (a kernel state as text, reusable), ``plotting`` (matplotlib, optional).
"""
from .cli import main

__all__ = ["main"]
