"""The remote engine: any SPARQL 1.1 Protocol store, and publishing to it.

- ``store``: the Store (``RemoteStore``), which forwards queries; ``config``: its settings.
- ``plan``: what to ask the store for a query; ``release``: the published graphs it sees;
  ``bind``: a named query's parameters as ``VALUES``.
- ``results``: the store's answers as query results; ``answers``: errors, streams and
  Virtuoso's departures from the standard.
- ``policy``: when a request is sent again and with what authentication (``auth``), written
  once for the two transports: ``http`` (blocking, ``http.client``) and ``aio`` (the event
  loop's, httptools); ``sockets``: a socket option both set.
- ``publish``: ``graphsvc load --to``; ``uploads``: a graph sent in chunks.
"""
