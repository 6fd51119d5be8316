"""Database: declarative base, engine/session factory, migrations."""
