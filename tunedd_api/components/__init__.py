"""tunedd's own Haystack components; each module says why no stock component does the job."""
