"""Neural-network training on the self-play datasets (issue 20): the one subpackage that imports torch.

``python -m ringrift_mpi.train --config jobs/train_<board>_<n>p.toml --run-dir DIR``.
Modules: ``config`` (the job's TOML sections), ``source`` (the self-play datasets
through the storage layer's reader),
``symmetry`` (dihedral / hexagonal augmentation with policy remapping), ``loader``
(lazy, per-rank, chunk-shuffled streaming), ``model`` (the residual policy-value
network), ``dist`` (torchrun / srun / mpiexec world set-up and device choice),
``loop`` (training, metrics, checkpoints, resume), ``export`` (TorchScript / ONNX
into the versioned model registry), ``player`` (batched NN play through the game
kernels), ``seat`` (the ``model:PATH`` seat kind of ``python -m ringrift_mpi.evaluate``),
``gate`` (promotion through evaluate's match and sign test), ``bench``.
torch is imported inside the modules that need it, never by another subpackage.
"""
