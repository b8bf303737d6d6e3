"""One module per file kind, each registering what ``ringrift-h5`` can do with it
(``dispatch.handles``; the signatures are in dispatch's docstring). Every module here
is loaded; adding a format means adding a module, never editing the CLI.

The self-play datasets plug in the same way: their storage module registers the formats
(shards, the index with its virtual datasets) and holds the work, e.g.
``storage.dataset.merge(paths, out)`` and ``storage.dataset.export_npz(path, out)``;
a ``kinds/dataset.py`` here maps the verbs onto it::

    @handles("merge", SHARD_FORMAT)
    def merge(paths, fmt, out):
        n = dataset.merge(paths, out)
        return f"{out}: {n} games from {len(paths)} shards"

    @handles("show", SHARD_FORMAT, DATASET_FORMAT)
    def show(path, fmt, sel):          # sel.game, sel.ply; render.render(state, move)
        ...

Their validator (the registry's) reports a missing virtual-dataset source as one line.
"""
