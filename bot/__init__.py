"""A Discord bot that hosts a free online recovery support group."""
