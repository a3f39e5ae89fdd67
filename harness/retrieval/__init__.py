"""Reading documents at query time: chunks, embedders, and the retrievers strategies choose from.

`dense` cuts the corpus into chunks and searches a FAISS index of their embeddings
(`embedders`); `bm25` ranks the same chunks by their words; `retrievers` is the registry of the
kinds a strategy names (`strategy.retriever=dense|bm25|hybrid`).
"""
