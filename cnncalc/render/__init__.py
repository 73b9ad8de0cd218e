"""Stage 6: frozen reports -> text: terminal tables, plain text, JSON, CSV and Markdown. Formatting happens only here."""
