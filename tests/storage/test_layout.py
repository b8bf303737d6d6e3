"""STATE_LAYOUT_VERSION moves with the layout: a changed layout without a bump fails here."""
from __future__ import annotations

from kernels import state as S
from ringrift_mpi.storage.states import layout_fingerprint

# one line per layout version: the fingerprint of kernels/state.py's slots, encodings and
# table order and of the boards' cell numbering at that version
FINGERPRINTS = {
    1: "21042160aa7cc547",
}


def test_layout_version_matches_the_layout():
    fp = layout_fingerprint()
    assert FINGERPRINTS.get(S.STATE_LAYOUT_VERSION) == fp, (
        f"the kernel state layout changed (fingerprint {fp}) but kernels.state.STATE_LAYOUT_VERSION is still "
        f"{S.STATE_LAYOUT_VERSION}: bump it and add '{S.STATE_LAYOUT_VERSION + 1}: \"{fp}\"' to FINGERPRINTS "
        "(files of the old layout are then refused instead of misread)")
    assert len(set(FINGERPRINTS.values())) == len(FINGERPRINTS)  # a bump without a change is a mistake too


def test_fingerprint_sees_a_moved_slot(monkeypatch):
    fp = layout_fingerprint()
    monkeypatch.setattr(S, "H_PLY", S.H_PLY + 100)
    assert layout_fingerprint() != fp
    monkeypatch.undo()
    monkeypatch.setattr(S, "PHASE_NAMES", S.PHASE_NAMES[::-1])
    assert layout_fingerprint() != fp
