"""The loopback broker: a small line-JSON broker protocol, its client adapter and its
simulator. It exists to exercise the connection framework (lifecycle, reconnects,
heartbeats, refusals) over real sockets; the simulator misbehaves on command."""
