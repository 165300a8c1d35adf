"""Stories: near-duplicates, embeddings index, story clustering, related articles.

stories.dedup    MinHash/LSH near-duplicates ("also published by")
stories.index    hnswlib vector index of articles, persisted under data_dir/index
stories.cluster  the clustering itself (pure functions)
stories.assign   stories in the database: window re-clustering, stable ids, titles, scores
stories.related  related(db, article_id, k=8)
stories.views    the read model of stories, tags and entities: what the HTML pages, the
                 JSON API and the Atom feeds show (one place, so that they agree)
"""
