"""The application's SQL database: engine, tables and migrations (conversations, keys, jobs)."""
