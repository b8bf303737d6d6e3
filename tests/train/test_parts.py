"""Small parts of the training job: the policy head's layout, launcher detection, config refusals."""
import numpy as np
import pytest
import torch

from kernels.encoding.layout import IN_CHANNELS, POLICY_SIZE, SPATIAL
from ringrift_mpi.train.dist import choose_device, detect, first_host
from ringrift_mpi.train.model import MASKED, PolicyValueNet, policy_layout


@pytest.mark.parametrize("board", range(4))
def test_policy_layout_spans_the_policy_space(board):
    K, G, g = policy_layout(board)
    pad = g.max()
    used = g[g != pad]
    assert len(g) == POLICY_SIZE[board]
    assert len(np.unique(used)) == len(used)  # no two indices share a logit
    S = SPATIAL[board]
    assert pad == S * S * K + G
    if board < 2:
        from kernels.encoding.policy import square_bases
        assert len(used) == square_bases(S)[-1] + 7  # every index up to the last special
    else:
        R = (S - 1) // 2
        cells = sum(1 for r in range(-R, R + 1) for q in range(-R, R + 1) if max(abs(q), abs(r), abs(q + r)) <= R)
        assert len(used) == cells * K + 1  # on-board cells and the one shared index


@pytest.mark.parametrize("board", [0, 2])
def test_network_masks_impossible_indices_and_reads_cells_where_the_policy_puts_them(board):
    torch.manual_seed(0)
    m = PolicyValueNet(board, 8, 1, 8).eval()
    S = SPATIAL[board]
    f = torch.zeros(2, IN_CHANNELS[board], S, S)
    logits, value = m(f, torch.zeros(2, 20))
    assert logits.shape == (2, POLICY_SIZE[board]) and value.shape == (2,)
    K, G, g = policy_layout(board)
    assert (logits[:, g == g.max()] == MASKED).all()
    assert (logits[:, g != g.max()] > MASKED / 2).all()
    # a change in one plane cell moves the placement logits of that cell (through a 1-cell receptive
    # field it reaches its neighbours too): square plane [x, y] is policy cell y*N + x
    m2 = PolicyValueNet(board, 8, 0, 8).eval()
    with torch.no_grad():
        for p in (m2.stem, m2.p_hidden, m2.p_cell):
            p.weight.zero_()
        m2.stem.weight[:, 0, 1, 1] = 1.0  # centre tap only: no spread to neighbours
        m2.p_hidden.weight[:, :, 0, 0] = torch.eye(8)
        m2.p_cell.weight[0, 0, 0, 0] = 1.0  # per-cell logit 0 = placement of 1 ring
        m2.stem_n.weight.fill_(1.0)
    x, y = (2, 5) if board == 0 else (4, 6)
    f = torch.zeros(1, IN_CHANNELS[board], S, S)
    f[0, 0, x, y] = 1.0
    lo, _ = m2(f, torch.zeros(1, 20))
    cell = y * S + x if board == 0 else x * S + y  # hex planes are [r, q] and cells r * S + q
    place = lo[0, :3 * S * S:3].clone()
    assert int(place.argmax()) == cell


def test_first_host_reads_slurm_node_lists():
    assert first_host("gpu-[03-05,9],cpu1") == "gpu-03"
    assert first_host("node7") == "node7"
    assert first_host("a[1,4]") == "a1"


def test_launcher_detection():
    assert detect({}).size == 1 and detect({}).launcher == "single"
    w = detect({"RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "1", "MASTER_ADDR": "h0", "MASTER_PORT": "1234"})
    assert (w.rank, w.size, w.local_rank, w.launcher, w.master_addr, w.master_port) == (3, 8, 1, "torchrun", "h0", 1234)
    w = detect({"SLURM_PROCID": "5", "SLURM_NTASKS": "6", "SLURM_LOCALID": "1", "SLURM_STEP_ID": "0",
                "SLURM_JOB_ID": "4242", "SLURM_STEP_NODELIST": "gpu-[07-09]"})
    assert (w.rank, w.size, w.local_rank, w.launcher, w.master_addr, w.master_port) == (5, 6, 1, "slurm", "gpu-07", 24242)
    # mpiexec inside an allocation: the MPI ranks, not Slurm's proxy tasks
    w = detect({"PMI_RANK": "1", "PMI_SIZE": "2", "MPI_LOCALRANKID": "1", "SLURM_PROCID": "0", "SLURM_NTASKS": "1",
                "SLURM_STEP_ID": "0"})
    assert (w.rank, w.size, w.local_rank, w.launcher) == (1, 2, 1, "mpi")
    w = detect({"OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_LOCAL_RANK": "0"})
    assert (w.rank, w.size, w.launcher) == (2, 4, "mpi")
    # salloc without srun: no step id, a single process
    assert detect({"SLURM_PROCID": "0", "SLURM_NTASKS": "4"}).launcher == "single"
    assert choose_device("cpu").type == "cpu"
    assert choose_device("auto").type in ("cpu", "cuda", "mps")


def test_bad_config_and_data_are_one_line(tmp_path, capsys, sq8_data):
    from ringrift_mpi.train.__main__ import main
    assert main(["--run-dir", str(tmp_path / "r"), "--data", sq8_data, "--batch-size", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: <defaults>: optim.batch_size: must be >= 1"]
    bad = tmp_path / "x.toml"
    bad.write_text("[model]\nchanels = 3\n")
    assert main(["--config", str(bad), "--run-dir", str(tmp_path / "r")]) == 2
    assert "model.chanels: unknown key" in capsys.readouterr().err
    # a dataset of another board than the config says
    import os
    os.environ["RINGRIFT_DATA_BOARD"] = "hex8"
    try:
        assert main(["--run-dir", str(tmp_path / "r2"), "--data", sq8_data]) == 2
    finally:
        del os.environ["RINGRIFT_DATA_BOARD"]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds square8 2p positions" in err[0] and "data.board = hex8" in err[0]
