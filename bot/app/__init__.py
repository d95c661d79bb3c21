"""The application layer: one atomic commit per action, the channel-agnostic outbox, files and statistics."""
