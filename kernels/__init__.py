"""numba kernels of RingRift's rules, players and encoder (no MPI, h5py or torch here)."""
from .numba_cache import drop_stale as _drop_stale

_drop_stale()  # before any kernel module loads its cached machine code
