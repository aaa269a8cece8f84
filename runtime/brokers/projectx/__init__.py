"""The ProjectX (TopstepX) broker: the Gateway API's REST calls and SignalR hubs.

``protocol`` and ``hubs`` hold the sans-IO SignalR JSON hub protocol and ProjectX's hub
methods; ``models`` and ``errorcodes`` the REST bodies, records and per-endpoint error
tables; ``firms`` where each firm's gateway lives; ``ratelimit`` the documented budget;
``client`` is the adapter the runtime uses and ``simulator`` serves the same protocol
from the simulated exchange.
"""
