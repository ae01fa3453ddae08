"""``poetry multiarch …`` commands: each only wires adapter and core together."""
