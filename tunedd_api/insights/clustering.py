"""Groups sentence embeddings into sub-themes, deterministically.

Agglomerative clustering with average linkage on cosine distance and a distance threshold, so
the number of clusters follows the data (no k to guess) and the same input always gives the
same clusters. Singletons go to ``unclustered``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from sklearn.cluster import AgglomerativeClustering


def cluster(vectors: np.ndarray, *, distance_threshold: float, min_size: int = 2) -> list[int]:
    """A cluster number per row (-1: unclustered); clusters numbered by size, then first row."""
    if len(vectors) < 2:
        return [-1] * len(vectors)
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage="average",
        distance_threshold=distance_threshold,
    )
    raw = model.fit_predict(vectors)
    sizes = Counter(raw.tolist())
    first_row = {label: int(np.argmax(raw == label)) for label in sizes}
    kept = sorted(
        (label for label, size in sizes.items() if size >= min_size),
        key=lambda label: (-sizes[label], first_row[label]),
    )
    number = {label: i for i, label in enumerate(kept)}
    return [number.get(label, -1) for label in raw.tolist()]


def centroid(vectors: np.ndarray) -> np.ndarray:
    """The normalised mean vector."""
    mean = vectors.mean(axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)
