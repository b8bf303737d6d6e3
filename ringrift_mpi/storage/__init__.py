"""Every file format the jobs write: HDF5 run files (and later shards, pools, datasets).

One place knows the schemas, their ``format_version``, the HDF5 libver cap and
atomic writes. Nothing here knows about MPI ranks.
"""
from .atomic import StorageError, atomic_file, write_json_atomic  # noqa: F401
