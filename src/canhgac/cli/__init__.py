"""The command line: thin, parses arguments, calls the services, renders with Rich."""
