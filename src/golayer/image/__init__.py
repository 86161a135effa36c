"""Image side: sources -> layer stream -> file tree -> categories and Go binaries -> checks."""
