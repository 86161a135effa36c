"""``golayer server``: the Language Server (LSP over stdio) that puts golayer's findings and fixes in editors."""
