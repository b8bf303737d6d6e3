"""RingRift's serialized formats (GameState, Move, game records) <-> kernel states and move codes."""
from .errors import InteropError
from .gamestate import Board, state_from_json, state_to_json, initial_state, summary
from .moves import (NO_OP, legal_moves_json, legal_moves_list, move_from_json, move_key, move_to_json,
                    recovery_alternatives)
from .view import StateView, lps_actor_mask, set_lps_actor_mask

__all__ = ["InteropError", "Board", "state_from_json", "state_to_json", "initial_state", "summary",
           "move_to_json", "move_from_json", "move_key", "legal_moves_list", "legal_moves_json",
           "recovery_alternatives", "NO_OP", "StateView", "lps_actor_mask", "set_lps_actor_mask"]
