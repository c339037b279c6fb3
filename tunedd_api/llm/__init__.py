"""Local chat models shipped in packages (resolution only; loading is the stacks\x27 job)."""
