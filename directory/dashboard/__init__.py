"""The city dashboard: coverage figures, charts and the moderators' views."""
