"""The in-process backend: SQLite store searched in memory, ONNX embedder, llama.cpp model."""
