"""RingRift's serialized formats (GameState, Move, game records) <-> kernel states and move codes."""
from .errors import InteropError
from .gamestate import Board, state_from_json, state_to_json, initial_state, summary
from .moves import move_to_json, move_from_json, move_key, legal_moves_list

__all__ = ["InteropError", "Board", "state_from_json", "state_to_json", "initial_state", "summary",
           "move_to_json", "move_from_json", "move_key", "legal_moves_list"]
