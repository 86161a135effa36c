"""One module per ``golayer`` subcommand; ``common`` holds the options they share."""
