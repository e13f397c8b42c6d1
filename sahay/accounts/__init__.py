"""Users, roles (named sets of rights stored as data) and the scope each user works in."""
