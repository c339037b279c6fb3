"""The in-process backend: in-memory store persisted to disk, ONNX embedder, llama.cpp model."""
