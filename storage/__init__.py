"""Storage: the schema, the connection and one repository module per aggregate. All SQL lives here."""
