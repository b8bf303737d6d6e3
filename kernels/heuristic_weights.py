"""RingRift's heuristic weight keys and balanced defaults (pure Python, no numba).

``HEURISTIC_WEIGHT_KEYS`` is RingRift's order (app/ai/heuristic_weights.py); the kernel
evaluator (kernels/heuristic.py) takes a float64 array of 59 weights in this order.
"""
from __future__ import annotations

import numpy as np

HEURISTIC_WEIGHT_KEYS: tuple[str, ...] = (
    "WEIGHT_STACK_CONTROL",
    "WEIGHT_STACK_HEIGHT",
    "WEIGHT_CAP_HEIGHT",
    "WEIGHT_TERRITORY",
    "WEIGHT_RINGS_IN_HAND",
    "WEIGHT_CENTER_CONTROL",
    "WEIGHT_ADJACENCY",
    "WEIGHT_OPPONENT_THREAT",
    "WEIGHT_MOBILITY",
    "WEIGHT_ELIMINATED_RINGS",
    "WEIGHT_LINE_POTENTIAL",
    "WEIGHT_VICTORY_PROXIMITY",
    "WEIGHT_MARKER_COUNT",
    "WEIGHT_VULNERABILITY",
    "WEIGHT_OVERTAKE_POTENTIAL",
    "WEIGHT_TERRITORY_CLOSURE",
    "WEIGHT_LINE_CONNECTIVITY",
    "WEIGHT_TERRITORY_SAFETY",
    "WEIGHT_STACK_MOBILITY",
    "WEIGHT_OPPONENT_VICTORY_THREAT",
    "WEIGHT_FORCED_ELIMINATION_RISK",
    "WEIGHT_LPS_ACTION_ADVANTAGE",
    "WEIGHT_MULTI_LEADER_THREAT",
    "WEIGHT_NO_STACKS_PENALTY",
    "WEIGHT_SINGLE_STACK_PENALTY",
    "WEIGHT_STACK_DIVERSITY_BONUS",
    "WEIGHT_SAFE_MOVE_BONUS",
    "WEIGHT_NO_SAFE_MOVES_PENALTY",
    "WEIGHT_VICTORY_THRESHOLD_BONUS",
    "WEIGHT_RINGS_PROXIMITY_FACTOR",
    "WEIGHT_TERRITORY_PROXIMITY_FACTOR",
    "WEIGHT_TWO_IN_ROW",
    "WEIGHT_THREE_IN_ROW",
    "WEIGHT_FOUR_IN_ROW",
    "WEIGHT_CONNECTED_NEIGHBOR",
    "WEIGHT_GAP_POTENTIAL",
    "WEIGHT_BLOCKED_STACK_PENALTY",
    "WEIGHT_SWAP_OPENING_CENTER",
    "WEIGHT_SWAP_OPENING_ADJACENCY",
    "WEIGHT_SWAP_OPENING_HEIGHT",
    "WEIGHT_SWAP_CORNER_PENALTY",
    "WEIGHT_SWAP_EDGE_BONUS",
    "WEIGHT_SWAP_DIAGONAL_BONUS",
    "WEIGHT_SWAP_OPENING_STRENGTH",
    "WEIGHT_SWAP_EXPLORATION_TEMPERATURE",
    "WEIGHT_RECOVERY_POTENTIAL",
    "WEIGHT_RECOVERY_ELIGIBILITY",
    "WEIGHT_BURIED_RING_VALUE",
    "WEIGHT_RECOVERY_THREAT",
    "WEIGHT_CHAIN_CAPTURE_RISK",
    "WEIGHT_CHAIN_CAPTURE_POTENTIAL",
    "WEIGHT_TEMPO_ADVANTAGE",
    "WEIGHT_FORCING_MOVE_VALUE",
    "WEIGHT_ENDGAME_AGGRESSION",
    "WEIGHT_PHASE_TRANSITION_BONUS",
    "WEIGHT_STACK_SYNERGY",
    "WEIGHT_MUTUAL_DEFENSE",
    "WEIGHT_EXPANSION_POTENTIAL",
    "WEIGHT_FRONTIER_STRENGTH",
)

BASE_V1_BALANCED_WEIGHTS: dict[str, float] = {
    "WEIGHT_STACK_CONTROL": 10.0,
    "WEIGHT_STACK_HEIGHT": 5.0,
    "WEIGHT_CAP_HEIGHT": 6.0,
    "WEIGHT_TERRITORY": 8.0,
    "WEIGHT_RINGS_IN_HAND": 3.0,
    "WEIGHT_CENTER_CONTROL": 4.0,
    "WEIGHT_ADJACENCY": 2.0,
    "WEIGHT_OPPONENT_THREAT": 6.0,
    "WEIGHT_MOBILITY": 4.0,
    "WEIGHT_ELIMINATED_RINGS": 12.0,
    "WEIGHT_LINE_POTENTIAL": 7.0,
    "WEIGHT_VICTORY_PROXIMITY": 20.0,
    "WEIGHT_MARKER_COUNT": 1.5,
    "WEIGHT_VULNERABILITY": 8.0,
    "WEIGHT_OVERTAKE_POTENTIAL": 8.0,
    "WEIGHT_TERRITORY_CLOSURE": 10.0,
    "WEIGHT_LINE_CONNECTIVITY": 6.0,
    "WEIGHT_TERRITORY_SAFETY": 5.0,
    "WEIGHT_STACK_MOBILITY": 4.0,
    "WEIGHT_OPPONENT_VICTORY_THREAT": 6.0,
    "WEIGHT_FORCED_ELIMINATION_RISK": 4.0,
    "WEIGHT_LPS_ACTION_ADVANTAGE": 2.0,
    "WEIGHT_MULTI_LEADER_THREAT": 2.0,
    "WEIGHT_NO_STACKS_PENALTY": 50.0,
    "WEIGHT_SINGLE_STACK_PENALTY": 10.0,
    "WEIGHT_STACK_DIVERSITY_BONUS": 2.0,
    "WEIGHT_SAFE_MOVE_BONUS": 1.0,
    "WEIGHT_NO_SAFE_MOVES_PENALTY": 2.0,
    "WEIGHT_VICTORY_THRESHOLD_BONUS": 1000.0,
    "WEIGHT_RINGS_PROXIMITY_FACTOR": 50.0,
    "WEIGHT_TERRITORY_PROXIMITY_FACTOR": 50.0,
    "WEIGHT_TWO_IN_ROW": 1.0,
    "WEIGHT_THREE_IN_ROW": 2.0,
    "WEIGHT_FOUR_IN_ROW": 5.0,
    "WEIGHT_CONNECTED_NEIGHBOR": 1.0,
    "WEIGHT_GAP_POTENTIAL": 0.5,
    "WEIGHT_BLOCKED_STACK_PENALTY": 5.0,
    "WEIGHT_SWAP_OPENING_CENTER": 15.0,
    "WEIGHT_SWAP_OPENING_ADJACENCY": 3.0,
    "WEIGHT_SWAP_OPENING_HEIGHT": 2.0,
    "WEIGHT_SWAP_CORNER_PENALTY": 8.0,
    "WEIGHT_SWAP_EDGE_BONUS": 2.0,
    "WEIGHT_SWAP_DIAGONAL_BONUS": 6.0,
    "WEIGHT_SWAP_OPENING_STRENGTH": 20.0,
    "WEIGHT_SWAP_EXPLORATION_TEMPERATURE": 0.0,
    "WEIGHT_RECOVERY_POTENTIAL": 6.0,
    "WEIGHT_RECOVERY_ELIGIBILITY": 8.0,
    "WEIGHT_BURIED_RING_VALUE": 3.0,
    "WEIGHT_RECOVERY_THREAT": 5.0,
    "WEIGHT_CHAIN_CAPTURE_RISK": 7.0,
    "WEIGHT_CHAIN_CAPTURE_POTENTIAL": 6.0,
    "WEIGHT_TEMPO_ADVANTAGE": 5.0,
    "WEIGHT_FORCING_MOVE_VALUE": 3.0,
    "WEIGHT_ENDGAME_AGGRESSION": 4.0,
    "WEIGHT_PHASE_TRANSITION_BONUS": 3.0,
    "WEIGHT_STACK_SYNERGY": 4.0,
    "WEIGHT_MUTUAL_DEFENSE": 3.0,
    "WEIGHT_EXPANSION_POTENTIAL": 5.0,
    "WEIGHT_FRONTIER_STRENGTH": 3.0,
}

KEY_INDEX: dict[str, int] = {k: i for i, k in enumerate(HEURISTIC_WEIGHT_KEYS)}

# index constants (W_<name without the WEIGHT_ prefix>)
W_STACK_CONTROL = 0
W_STACK_HEIGHT = 1
W_CAP_HEIGHT = 2
W_TERRITORY = 3
W_RINGS_IN_HAND = 4
W_CENTER_CONTROL = 5
W_ADJACENCY = 6
W_OPPONENT_THREAT = 7
W_MOBILITY = 8
W_ELIMINATED_RINGS = 9
W_LINE_POTENTIAL = 10
W_VICTORY_PROXIMITY = 11
W_MARKER_COUNT = 12
W_VULNERABILITY = 13
W_OVERTAKE_POTENTIAL = 14
W_TERRITORY_CLOSURE = 15
W_LINE_CONNECTIVITY = 16
W_TERRITORY_SAFETY = 17
W_STACK_MOBILITY = 18
W_OPPONENT_VICTORY_THREAT = 19
W_FORCED_ELIMINATION_RISK = 20
W_LPS_ACTION_ADVANTAGE = 21
W_MULTI_LEADER_THREAT = 22
W_NO_STACKS_PENALTY = 23
W_SINGLE_STACK_PENALTY = 24
W_STACK_DIVERSITY_BONUS = 25
W_SAFE_MOVE_BONUS = 26
W_NO_SAFE_MOVES_PENALTY = 27
W_VICTORY_THRESHOLD_BONUS = 28
W_RINGS_PROXIMITY_FACTOR = 29
W_TERRITORY_PROXIMITY_FACTOR = 30
W_TWO_IN_ROW = 31
W_THREE_IN_ROW = 32
W_FOUR_IN_ROW = 33
W_CONNECTED_NEIGHBOR = 34
W_GAP_POTENTIAL = 35
W_BLOCKED_STACK_PENALTY = 36
W_SWAP_OPENING_CENTER = 37
W_SWAP_OPENING_ADJACENCY = 38
W_SWAP_OPENING_HEIGHT = 39
W_SWAP_CORNER_PENALTY = 40
W_SWAP_EDGE_BONUS = 41
W_SWAP_DIAGONAL_BONUS = 42
W_SWAP_OPENING_STRENGTH = 43
W_SWAP_EXPLORATION_TEMPERATURE = 44
W_RECOVERY_POTENTIAL = 45
W_RECOVERY_ELIGIBILITY = 46
W_BURIED_RING_VALUE = 47
W_RECOVERY_THREAT = 48
W_CHAIN_CAPTURE_RISK = 49
W_CHAIN_CAPTURE_POTENTIAL = 50
W_TEMPO_ADVANTAGE = 51
W_FORCING_MOVE_VALUE = 52
W_ENDGAME_AGGRESSION = 53
W_PHASE_TRANSITION_BONUS = 54
W_STACK_SYNERGY = 55
W_MUTUAL_DEFENSE = 56
W_EXPANSION_POTENTIAL = 57
W_FRONTIER_STRENGTH = 58


def weights_array(weights: dict[str, float] | None = None) -> np.ndarray:
    """59 float64 weights in key order; keys missing from ``weights`` take the balanced value."""
    w = dict(BASE_V1_BALANCED_WEIGHTS)
    if weights:
        unknown = sorted(set(weights) - set(w))
        if unknown:
            raise KeyError(f"unknown heuristic weight keys: {unknown}")
        w.update(weights)
    return np.array([float(w[k]) for k in HEURISTIC_WEIGHT_KEYS], np.float64)


def weights_dict(arr) -> dict[str, float]:
    """Inverse of :func:`weights_array`."""
    if len(arr) != len(HEURISTIC_WEIGHT_KEYS):
        raise ValueError(f"expected {len(HEURISTIC_WEIGHT_KEYS)} weights, got {len(arr)}")
    return {k: float(v) for k, v in zip(HEURISTIC_WEIGHT_KEYS, arr)}


# --- which weights the evaluator reads --------------------------------------------------
# component -> weight indices it multiplies or reads (kernels/heuristic.py, docs/heuristic.md)
_PROX = (28, 29, 30)  # VICTORY_THRESHOLD_BONUS, RINGS/TERRITORY_PROXIMITY_FACTOR, via prox()
COMPONENT_WEIGHTS: dict[str, tuple[int, ...]] = {
    "stack_control": (0, 1, 2, 23, 24, 25), "territory": (3,), "rings_in_hand": (4,),
    "center_control": (5,), "opponent_threats": (7,), "mobility": (8,), "eliminated_rings": (9,),
    "marker_count": (12,), "victory_proximity": (11, *_PROX), "opponent_victory_threat": (19, *_PROX),
    "stack_mobility": (18, 36), "multi_leader_threat": (22, *_PROX),
    "line_potential": (10, 31, 32, 33), "line_connectivity": (16, 34, 35), "vulnerability": (13,),
    "overtake_potential": (14,), "territory_closure": (15,), "territory_safety": (17,),
    "forced_elimination_risk": (20,), "lps_action_advantage": (21,), "recovery_potential": (45, 46, 47),
}
LIGHT_COMPONENTS = ("stack_control", "territory", "rings_in_hand", "center_control", "opponent_threats",
                    "mobility", "eliminated_rings", "marker_count", "victory_proximity",
                    "opponent_victory_threat", "stack_mobility", "multi_leader_threat")
MULTIPLAYER_ONLY = ("multi_leader_threat", "lps_action_advantage")  # 0 with 2 players
# RingRift's hex8 has no adjacency and no line offsets, so these are 0 there (docs/heuristic.md)
ZERO_ON_HEX8 = ("opponent_threats", "mobility", "line_potential", "line_connectivity")


def active_weight_indices(board: str, players: int, mode: str) -> list[int]:
    """Indices of the weights that can change an evaluation for this board, player count and mode.

    The rest (swap-opening keys, keys HeuristicAI never reads, tier-2 keys in light mode, 3-4
    player keys with 2 players, hex8's empty features) are inert there: a tuner holds them.
    """
    comps = LIGHT_COMPONENTS if mode == "light" else tuple(COMPONENT_WEIGHTS)
    out: set[int] = set()
    for c in comps:
        if players == 2 and c in MULTIPLAYER_ONLY:
            continue
        if board == "hex8" and c in ZERO_ON_HEX8:
            continue
        out.update(COMPONENT_WEIGHTS[c])
    return sorted(out)
