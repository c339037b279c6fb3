"""Theme discovery: sub-themes inside a theme's sentences, with cluster sentiment."""
