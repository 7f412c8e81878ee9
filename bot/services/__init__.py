"""Domain logic. Plain async functions over an ``AsyncSession``; no discord.py here."""
