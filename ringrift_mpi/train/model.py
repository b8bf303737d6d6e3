"""The residual policy-value network over RingRift's training tensors.

Input: ``features`` (B, C, H, W) and ``globals`` (B, 20). A 3x3 convolution stem,
the globals projected and added as a per-channel bias, then ``blocks`` residual
blocks (two 3x3 convolutions, GroupNorm). GroupNorm rather than BatchNorm: it
normalises each sample alone, so a step on one process and the same step split
over DDP ranks compute the same thing (BatchNorm's statistics would depend on
the split).

Policy head: RingRift's policy space is mostly cell-major blocks (placements,
movements by direction and distance, line and territory anchors per cell), so a
1x1-convolution head gives K logits per cell and a small linear head on pooled
features gives the cell-free indices (skips, ``no_*_action``, choices); a fixed
gather lays both out in RingRift's policy order (``policy_layout``). Indices that
no move can have (the padding up to the policy size, cells off the hex board) get
a constant -1e4, so they carry no probability: that is the hex board mask.

Value head: pooled features and globals -> tanh scalar, the sample's ``values``
target (+1 the player to move won, -1 lost; RingRift's rank values with 3-4
players).
"""
from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from kernels.encoding.layout import IN_CHANNELS, N_GLOBALS, POLICY_SIZE, SPATIAL

MASKED = -1.0e4


@functools.lru_cache(maxsize=None)
def policy_layout(board: int) -> tuple[int, int, np.ndarray]:
    """(K per-cell logits, G cell-free logits, gather[P]) where gather[i] is index i's position in
    concat(per-cell logits flattened cell-major (cell * K + k), cell-free logits, one masked slot)."""
    S = SPATIAL[board]
    P = POLICY_SIZE[board]
    D = S - 1
    cells = S * S
    if board >= 2:
        from kernels.encoding.policy import hex_special
        K, G = 3 + 6 * D, 1
        g = np.full(P, cells * K + G, np.int64)
        R = D // 2
        on = np.array([max(abs(q), abs(r), abs(q + r)) <= R for r in range(-R, R + 1) for q in range(-R, R + 1)])
        for c in np.flatnonzero(on):
            g[c * 3:(c + 1) * 3] = c * K + np.arange(3)
            g[3 * cells + c * 6 * D:3 * cells + (c + 1) * 6 * D] = c * K + 3 + np.arange(6 * D)
        g[hex_special(S)] = cells * K
        return K, G, g
    from kernels.encoding.policy import square_bases
    movement, line_form, terr_claim, special, line_choice, terr_choice, extra = square_bases(S)
    K = 3 + 8 * D + 4 + 1 + 32
    G = 3 + 4 + 7
    g = np.full(P, cells * K + G, np.int64)
    c = np.arange(cells)
    for k in range(3):
        g[c * 3 + k] = c * K + k
    for j in range(8 * D):
        g[movement + c * 8 * D + j] = c * K + 3 + j
    for j in range(4):
        g[line_form + c * 4 + j] = c * K + 3 + 8 * D + j
    g[terr_claim + c] = c * K + 3 + 8 * D + 4
    for j in range(32):
        g[terr_choice + c * 32 + j] = c * K + 3 + 8 * D + 5 + j
    g[special:special + 7] = cells * K + np.arange(7)          # 3 specials, 4 line choices
    g[extra:extra + 7] = cells * K + 7 + np.arange(7)           # no_*_action, skips, forced elimination
    return K, G, g


class ResBlock(nn.Module):
    def __init__(self, ch: int, groups: int):
        super().__init__()
        self.c1 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.n1 = nn.GroupNorm(groups, ch)
        self.c2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.n2 = nn.GroupNorm(groups, ch)

    def forward(self, x):
        y = F.relu(self.n1(self.c1(x)))
        return F.relu(x + self.n2(self.c2(y)))


class PolicyValueNet(nn.Module):
    def __init__(self, board: int, channels: int = 64, blocks: int = 6, value_hidden: int = 128):
        super().__init__()
        self.board, self.channels, self.blocks = board, channels, blocks
        C, S = IN_CHANNELS[board], SPATIAL[board]
        self.square = board < 2
        K, G, gather = policy_layout(board)
        groups = 8 if channels % 8 == 0 else 1
        self.stem = nn.Conv2d(C, channels, 3, padding=1, bias=False)
        self.stem_g = nn.Linear(N_GLOBALS, channels)
        self.stem_n = nn.GroupNorm(groups, channels)
        self.tower = nn.Sequential(*[ResBlock(channels, groups) for _ in range(blocks)])
        self.p_hidden = nn.Conv2d(channels, channels, 1)
        self.p_cell = nn.Conv2d(channels, K, 1)
        self.p_free = nn.Linear(channels + N_GLOBALS, G)
        self.v1 = nn.Linear(channels + N_GLOBALS, value_hidden)
        self.v2 = nn.Linear(value_hidden, 1)
        self.register_buffer("gather", torch.from_numpy(gather), persistent=False)
        self.cells = S * S
        self.K = K

    def config(self) -> dict:
        return {"board": self.board, "channels": self.channels, "blocks": self.blocks,
                "value_hidden": self.v1.out_features}

    def forward(self, features: torch.Tensor, globals_: torch.Tensor):
        """(policy logits (B, POLICY_SIZE) float32, value (B,) float32 in [-1, 1])."""
        x = self.stem(features) + self.stem_g(globals_)[:, :, None, None]
        x = self.tower(F.relu(self.stem_n(x)))
        pooled = torch.cat([x.mean(dim=(2, 3)), globals_], 1)
        cell = self.p_cell(F.relu(self.p_hidden(x)))            # (B, K, H, W)
        # square planes are [x, y] and policy cells y*N + x; hex planes [r, q] and cells r*S + q
        cell = cell.permute(0, 3, 2, 1) if self.square else cell.permute(0, 2, 3, 1)
        cell = cell.reshape(cell.shape[0], self.cells * self.K).float()
        free = self.p_free(pooled).float()
        pad = torch.full((cell.shape[0], 1), -1.0e4, dtype=torch.float32, device=cell.device)  # MASKED
        logits = torch.cat([cell, free, pad], 1).index_select(1, self.gather)
        value = torch.tanh(self.v2(F.relu(self.v1(pooled))).float()).squeeze(1)
        return logits, value


def build(cfg: dict) -> PolicyValueNet:
    return PolicyValueNet(int(cfg["board"]), int(cfg["channels"]), int(cfg["blocks"]), int(cfg.get("value_hidden", 128)))


def losses(logits, value, pidx, pval, target_v, value_weight: float = 1.0):
    """(total, policy cross-entropy, value MSE, top-1 hits, value abs-error sum).

    pidx / pval (B, L): the sparse policy target padded with index 0 / weight 0.
    """
    logp = F.log_softmax(logits, dim=1)
    pol = -(pval * logp.gather(1, pidx)).sum(1).mean()
    vl = F.mse_loss(value, target_v)
    top = pidx.gather(1, pval.argmax(1, keepdim=True)).squeeze(1)
    hits = (logits.argmax(1) == top).sum()
    return pol + value_weight * vl, pol, vl, hits, (value - target_v).abs().sum()
