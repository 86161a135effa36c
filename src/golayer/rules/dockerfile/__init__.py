"""Dockerfile rules: one module per rule (see golayer.catalogue for the module contract)."""
