"""entraide: a chat bot that keeps mutual-aid communities alive."""
