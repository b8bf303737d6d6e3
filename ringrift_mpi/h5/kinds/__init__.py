"""One module per file kind, each registering what ``ringrift-h5`` can do with it
(``dispatch.handles``). Every module here is loaded; adding a format means adding a
module, never editing the CLI."""
