"""Broker adapters: the interface every broker implements, and the brokers themselves."""
