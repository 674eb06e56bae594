"""The measures step: specs, the runner and its engines, scope and disclosure control."""
