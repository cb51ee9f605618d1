"""The incidents pages."""
