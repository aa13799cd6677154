"""Shared runtime for every jbketen service: settings, database, outbox, consumer, tracing, HTTP."""
