"""Discord-facing features, one extension per feature (see ``bot.app.EXTENSIONS``)."""
