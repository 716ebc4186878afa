"""SQLModel tables (the schema; migrations mirror them) and the plain data types
that cross workflow boundaries (never table models)."""
