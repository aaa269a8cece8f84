"""Rithmic over R|Protocol: protobuf messages over WebSocket, one plant per socket.

``codec`` frames messages, ``protocol`` holds the client and server sessions (sans-IO),
``client`` is the adapter the runtime uses (``feed`` its view of what the plants push) and
``simulator`` a broker that speaks the same protocol on loopback, over the shared
simulated exchange.
"""
