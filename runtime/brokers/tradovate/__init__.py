"""The Tradovate broker (and NinjaTrader, which reaches it through OAuth).

``protocol`` is the sans-IO WebSocket framing and both ends' session state; ``auth`` the
environments, token request, renewal and penalty facts; ``models`` the shared
vocabulary. ``client`` is the adapter the runtime uses (with ``feed``, its view of what
the sockets say, and ``rest`` and ``stream``, its HTTP and socket shells); ``simulator``
serves the same protocol from the simulated exchange (``sim_core``, ``sim_book``,
``sim_rest``, ``sim_socket``).
"""
