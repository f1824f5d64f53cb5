"""Retrieval: catalog models, loaders, embeddings, the index and hybrid search."""
