"""The embedder's tokenizer (shared by every backend) and the in-process ONNX embedder."""
