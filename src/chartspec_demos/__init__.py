"""The charts chartspec builds when a project has none of its own: Memory³ and a gallery.

They live beside the library, not in it, so that changing them does not invalidate the cached
charts of every project.
"""
