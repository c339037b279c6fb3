"""The two Haystack graphs: indexing (files → store) and a chat turn (question → cited answer).

Each builder takes a stack's component set, so the embedded and the production stacks run the
same graphs; nothing here knows which stack it is given.
"""
