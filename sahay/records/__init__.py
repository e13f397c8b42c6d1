"""What the programme records: people, households, organisations reached, activities, services, items."""
