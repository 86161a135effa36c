"""Dockerfile side: parse (BuildKit grammar) -> shell (tree-sitter-bash) -> model -> context."""
