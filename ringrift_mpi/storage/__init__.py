"""Every file format the suite writes and reads, in one place.

- ``atomic``: the one atomic writer (temp file beside the target, fsync, rename,
  directory fsync; the umask respected) and its JSON / text front ends;
- ``h5``: the HDF5 libver cap, the stamped atomic HDF5 writer, the checked opener;
- ``registry``: format name -> version, reader, validator, describer; ``identify``;
- one module per format: ``cmaes_run`` (run.h5, checkpoint.json), ``pool`` (pool.h5),
  ``json_formats`` (RingRift weight profiles, bench figures);
- ``states``: the fingerprint that guards ``kernels.state.STATE_LAYOUT_VERSION``;
- ``lock``: the run-directory lock.

Every reader error is a StorageError whose one-line message names the file.
Nothing here knows about MPI ranks.
"""
from .atomic import StorageError, atomic_file, write_json_atomic, write_text_atomic  # noqa: F401
from .h5 import H5_LIBVER, h5_writer, open_h5  # noqa: F401
from .registry import Format, formats, get, identify  # noqa: F401
