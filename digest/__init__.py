"""paperdigest's library: page text in, tagged and summarised articles and digests out.

Nothing here imports Telegram; the bot package is an adapter over this one.
"""
