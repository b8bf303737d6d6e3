"""The MPI layer: world set-up, abort on error, signals, rank-0 output, the task farm and the
driver / worker protocol (``driver``: rank 0 leads each step, the other ranks follow).

Jobs call it; nothing below it (kernels, storage) knows about MPI.
"""
