"""The MPI layer: world set-up, abort on error, signals, rank-0 output and the task farm.

Jobs call it; nothing below it (kernels, storage) knows about MPI.
"""
