"""Jobcentre Plus district performance dashboard: contract, loading, measures and guards."""
