"""The console's views: thin, each reading through services and scoped queries."""
