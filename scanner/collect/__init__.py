"""The collection layer: the only code that talks to a cloud."""
