"""Where this process stands in a distributed run, and which device it trains on.

The same command runs as one process, under ``torchrun``, directly under ``srun``
(one task per GPU or CPU slot) or under ``mpiexec``; the launcher is read from the
environment, first match wins:

- torchrun (or anything that sets ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``): its
  rendezvous variables as they are;
- an MPI launcher: Open MPI's ``OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK`` or MPICH /
  Hydra's ``PMI_RANK/PMI_SIZE`` (``MPI_LOCALRANKID``); rank 0's host name and a free
  port reach the other ranks by an MPI broadcast unless ``MASTER_ADDR`` is set. Under
  mpiexec inside a Slurm allocation these win over Slurm's variables, which then
  describe mpiexec's proxies, not the ranks;
- Slurm (``srun`` step: ``SLURM_PROCID``, ``SLURM_NTASKS``, ``SLURM_LOCALID``): the
  first host of ``SLURM_STEP_NODELIST`` (else ``SLURM_JOB_NODELIST``) and port
  ``MASTER_PORT`` or 20000 + job id mod 20000;
- otherwise a single process.

Backend: NCCL when training on CUDA, gloo otherwise. Device ``auto``: CUDA (GPU
number = local rank mod the visible GPUs), then MPS, then CPU.
"""
from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass

import torch


@dataclass
class World:
    rank: int = 0
    size: int = 1
    local_rank: int = 0
    launcher: str = "single"
    master_addr: str = ""
    master_port: int = 0
    device: torch.device = torch.device("cpu")
    backend: str = ""

    @property
    def distributed(self) -> bool:
        return self.size > 1


def first_host(nodelist: str) -> str:
    """The first host of a Slurm node list: 'gpu-[03-05,9],cpu1' -> 'gpu-03'."""
    m = re.match(r"([^,\[]+)(\[([^\]]+)\])?", nodelist.strip())
    if not m:
        raise ValueError(f"cannot read Slurm node list {nodelist!r}")
    prefix, rng = m.group(1), m.group(3)
    if rng is None:
        return prefix
    first = rng.split(",")[0].split("-")[0]
    return prefix + first


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def detect(env=None) -> World:
    """The launcher's view of this process (no process group is created)."""
    env = os.environ if env is None else env
    if "RANK" in env and "WORLD_SIZE" in env and "MASTER_ADDR" in env:
        return World(int(env["RANK"]), int(env["WORLD_SIZE"]), int(env.get("LOCAL_RANK", 0)), "torchrun",
                     env["MASTER_ADDR"], int(env.get("MASTER_PORT", 29500)))
    for rk, sz, lr, name in (("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "mpi"),
                             ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "mpi")):
        if rk in env and sz in env:
            return World(int(env[rk]), int(env[sz]), int(env.get(lr, env.get("SLURM_LOCALID", 0))), name,
                         env.get("MASTER_ADDR", ""), int(env.get("MASTER_PORT", 0)))
    if "SLURM_PROCID" in env and "SLURM_NTASKS" in env and "SLURM_STEP_ID" in env:
        nodes = env.get("SLURM_STEP_NODELIST") or env.get("SLURM_JOB_NODELIST") or "localhost"
        port = int(env.get("MASTER_PORT", 20000 + int(env.get("SLURM_JOB_ID", 0)) % 20000))
        return World(int(env["SLURM_PROCID"]), int(env["SLURM_NTASKS"]), int(env.get("SLURM_LOCALID", 0)), "slurm",
                     env.get("MASTER_ADDR") or first_host(nodes), port)
    return World()


def choose_device(name: str, local_rank: int = 0) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            name = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            name = "mps"
        else:
            name = "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("device.device = cuda, but torch sees no CUDA device")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    if name == "mps":
        if not (getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()):
            raise RuntimeError("device.device = mps, but MPS is not available")
        return torch.device("mps")
    return torch.device("cpu")


def setup(device_name: str, env=None) -> World:
    """Detect the launcher, choose the device and, with more than one process, join the process group."""
    w = detect(env)
    w.device = choose_device(device_name, w.local_rank)
    if w.size == 1:
        return w
    if w.launcher == "mpi" and not w.master_addr:
        from mpi4py import MPI
        comm = MPI.COMM_WORLD
        if comm.size != w.size:
            raise RuntimeError(f"MPI world has {comm.size} ranks, the launcher's environment says {w.size}")
        w.master_addr, w.master_port = comm.bcast((socket.gethostname(), _free_port()) if comm.rank == 0 else None)
    if w.device.type == "cuda":
        torch.cuda.set_device(w.device)
    w.backend = "nccl" if w.device.type == "cuda" else "gloo"
    import torch.distributed as dist
    dist.init_process_group(w.backend, init_method=f"tcp://{w.master_addr}:{w.master_port}",
                            rank=w.rank, world_size=w.size)
    return w


def teardown(w: World) -> None:
    if w.distributed:
        import torch.distributed as dist
        if dist.is_initialized():
            dist.destroy_process_group()
