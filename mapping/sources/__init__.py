"""Where areas and their statistics come from: dataset descriptions, the Census loader,
uploaded tables, the variable catalog, the demo, and the area geometry helpers."""
