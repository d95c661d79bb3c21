"""The coaching core, pure: the flow as data, the engine that runs it, and the few steps with logic."""
