"""Text analysis: entities, hashtags, quotes, summaries, embeddings."""
