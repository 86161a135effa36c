"""golayer: what goes wrong when Go programs are put into container images."""

__version__ = "0.1.0"
