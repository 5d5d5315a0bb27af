"""Federated analysis: a coordinator that holds no data, node agents that connect out to
it, signed task and result messages, and the node operator's policy (docs/federation.md)."""
