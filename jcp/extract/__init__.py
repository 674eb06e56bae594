"""The extract step: contract, load and generator (for now only the generator lives here)."""
