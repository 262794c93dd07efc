"""AWS collectors (one module per service) and the shared session context."""
