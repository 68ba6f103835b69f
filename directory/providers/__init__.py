"""The providers' area: organisations, the offer editor, locations and translations."""
