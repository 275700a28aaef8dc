"""Pure analysis: filters and measures, margins of error, profiles, service gaps and
branch service areas."""
