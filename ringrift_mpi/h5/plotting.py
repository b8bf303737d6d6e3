"""matplotlib, optional: the Agg backend, and one atomic PNG writer for every plot."""
from __future__ import annotations

from .dispatch import NotApplicable

INSTALL = "pip install 'ringrift-mpi[plot]' (or: pip install matplotlib)"


class MissingExtra(NotApplicable):
    """The ``plot`` extra (matplotlib) is not installed."""


def pyplot():
    try:
        import matplotlib
    except ImportError:
        raise MissingExtra(f"plot needs matplotlib, which is not installed: {INSTALL}") from None
    matplotlib.use("Agg")  # files only: no display on a login node
    import matplotlib.pyplot as plt
    return plt


def save_png(fig, out: str, dpi: int = 110) -> None:
    from ..storage.atomic import atomic_file
    plt = pyplot()
    try:
        with atomic_file(out, ".png") as tmp:
            fig.savefig(tmp, format="png", dpi=dpi)
    finally:
        plt.close(fig)
